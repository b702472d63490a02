import { parseDuration } from './duration.ts';

test('reads ms, s, m, h and d, and bare seconds', () => {
  expect(parseDuration('500ms', '--x')).toBe(500);
  expect(parseDuration('30s', '--x')).toBe(30_000);
  expect(parseDuration('2m', '--x')).toBe(120_000);
  expect(parseDuration('1.5s', '--x')).toBe(1_500);
  expect(parseDuration('1h', '--x')).toBe(3_600_000);
  expect(parseDuration('7d', '--x')).toBe(604_800_000);
  expect(parseDuration('7', '--x')).toBe(7_000);
});

test('names the flag when the text is no duration', () => {
  expect(() => parseDuration('soon', '--interval')).toThrow(/--interval: not a duration: "soon"/);
  expect(() => parseDuration('0s', '--interval')).toThrow(/longer than zero/);
});
