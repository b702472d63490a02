import { integerOf, isRawJson, parseJson } from './exact-json.ts';

describe('parseJson', () => {
  it('keeps integers past 2^53 as their digits, and stringifies them back alike', () => {
    const text = '{"a":9007199254740993,"b":[-9223372036854775808,1],"c":9007199254740992,"d":1.5}';
    const parsed = parseJson(text) as Record<string, unknown>;
    expect(isRawJson(parsed.a)).toBe(true);
    expect(parsed.c).toBe(9007199254740992); // 2^53 itself: a double holds it, so it stays a number
    expect(JSON.stringify(parsed)).toBe(text);
    expect(integerOf(parsed.a)).toBe(9007199254740993n);
  });

  it('takes the fast JSON.parse when no number is long', () => {
    expect(parseJson('{"a":123456789012345,"s":"x"}')).toEqual({ a: 123456789012345, s: 'x' });
  });
});

describe('integerOf', () => {
  it('reads numbers, digit strings and raw digits; nothing else', () => {
    expect(integerOf(42)).toBe(42n);
    expect(integerOf('-7')).toBe(-7n);
    expect(integerOf(1.5)).toBeUndefined();
    expect(integerOf('x')).toBeUndefined();
    expect(integerOf(null)).toBeUndefined();
  });
});
