import { copyFilter, integerKeyOf } from './copy-filter.ts';

describe('the events a copy already holds', () => {
  const chunks = [
    { chunk: 0, lower: null, upper: 100n, snapshot: '10:20:15' },
    { chunk: 1, lower: 100n, upper: null, snapshot: '30:40:' },
  ];
  const inCopy = copyFilter(chunks, '0/1000');
  const event = (key: number, txId: number, lsn = 0x500n) => ({ keyId: `[${key}]`, txId, lsn });

  it('skips an event whose transaction the snapshot of its key range saw', () => {
    expect(inCopy(event(5, 12))).toBe(true);
    expect(inCopy(event(500, 35))).toBe(true);
  });

  it('applies an event its range was read before, or that ran at the time', () => {
    expect(inCopy(event(5, 15))).toBe(false); // running at chunk 0's snapshot
    expect(inCopy(event(5, 25))).toBe(false); // after it
    expect(inCopy(event(99, 35))).toBe(false); // chunk 0 was read before transaction 35
    expect(inCopy(event(100, 35))).toBe(true); // chunk 1 was read after it
  });

  it('applies everything at or past the finish LSN, and events it cannot place', () => {
    expect(inCopy(event(5, 12, 0x1000n))).toBe(false);
    expect(inCopy({ keyId: '[5]', txId: null, lsn: 0x10n })).toBe(false);
    expect(inCopy({ keyId: '[5]', txId: 12, lsn: null })).toBe(false);
  });

  it('reads any key of a one-chunk copy against its one snapshot', () => {
    const whole = copyFilter(
      [{ chunk: 0, lower: null, upper: null, snapshot: '10:20:' }],
      '0/1000',
    );
    expect(whole({ keyId: '["a-uuid"]', txId: 11, lsn: 1n })).toBe(true);
    expect(whole({ keyId: '[1,"x"]', txId: 21, lsn: 1n })).toBe(false);
  });

  it('reads integer key identities, past 2^53 too', () => {
    expect(integerKeyOf('[42]')).toBe(42n);
    expect(integerKeyOf('["9007199254740993"]')).toBe(9007199254740993n);
    expect(integerKeyOf('[9007199254740993]')).toBe(9007199254740993n);
  });
});
