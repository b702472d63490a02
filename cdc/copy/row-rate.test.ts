import { countRows, delayFor } from './row-rate.ts';

describe('the copy row rate', () => {
  it('counts the rows of COPY text data', () => {
    expect(countRows(Buffer.from('1\ta\n2\tb\\nc\n'))).toBe(2);
    expect(countRows(Buffer.from(''))).toBe(0);
  });

  it('lets rows through at the pace and makes a burst past it wait', () => {
    const window = { since: 0, rows: 0 };
    expect(delayFor(window, 500, 1000, 0)).toBe(500);
    expect(delayFor(window, 500, 1000, 500)).toBe(500);
    expect(delayFor(window, 100, 1000, 2000)).toBe(0);
  });

  it('does not save up idle time for a burst later', () => {
    const window = { since: 0, rows: 0 };
    delayFor(window, 10, 1000, 0);
    // an hour idle, then a burst of 2,000 rows: they take two seconds, not no time at all
    expect(delayFor(window, 2000, 1000, 3_600_000)).toBe(2000);
  });
});
