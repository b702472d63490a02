import {
  byRound,
  comparedShare,
  mirrorPerCompared,
  perRequest,
  spread,
} from './proxy-bench-report.ts';

const cpu = (main: number, mirror: number) => ({ main, mirror, other: 0, whole: main + mirror });

describe('the proxy bench report', () => {
  const shadow = {
    name: 'ficus shadow',
    windows: [
      { requests: 1000, cpu: cpu(300, 90), compared: 900 },
      { requests: 2000, cpu: cpu(560, 200), compared: 2000 },
      { requests: 1000, cpu: cpu(320, 0), compared: 0 },
    ],
  };

  it('gives CPU in µs per request and per compared read, and the share compared, by round', () => {
    expect(perRequest(shadow, 'main')).toEqual([300, 280, 320]);
    expect(mirrorPerCompared(shadow)).toEqual([100, 100, NaN]);
    expect(comparedShare(shadow)).toEqual([0.9, 1, 0]);
  });

  it('summarises rounds as median [min-max], leaving out what was not measured', () => {
    expect(spread([300, 280, 320])).toBe('300 [280-320]');
    expect(spread([1.234, NaN, 1.1], 2, 'x')).toBe('1.23x [1.10x-1.23x]');
    expect(spread([NaN])).toBe('–');
  });

  it('pairs rounds of two peers', () => {
    expect(byRound([2, 4], [1, 2], (a, b) => a / b)).toEqual([2, 2]);
  });
});
