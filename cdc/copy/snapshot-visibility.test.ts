import { isVisibleIn, parseSnapshot, widenXid } from './snapshot-visibility.ts';

describe('snapshot visibility of a 32-bit xid', () => {
  const seen = parseSnapshot('1000:1010:1003,1007');

  it('sees what committed before xmin and what is below xmax and not running', () => {
    expect(isVisibleIn(seen, 999)).toBe(true);
    expect(isVisibleIn(seen, 1002)).toBe(true);
    expect(isVisibleIn(seen, 1009)).toBe(true);
  });

  it('does not see what ran at the snapshot or started after it', () => {
    expect(isVisibleIn(seen, 1003)).toBe(false);
    expect(isVisibleIn(seen, 1007)).toBe(false);
    expect(isVisibleIn(seen, 1010)).toBe(false);
    expect(isVisibleIn(seen, 5000)).toBe(false);
  });

  it('widens across an epoch boundary to the xid nearest the snapshot', () => {
    const epoch3 = 3n << 32n;
    // xmax just past the wrap: xid 4294967290 is the end of epoch 2, xid 5 is epoch 3
    expect(widenXid(4294967290, epoch3 + 10n)).toBe(epoch3 - 6n);
    expect(widenXid(5, epoch3 + 10n)).toBe(epoch3 + 5n);
    // xmax just before the wrap: xid 3 is the start of the next epoch
    expect(widenXid(3, epoch3 - 2n)).toBe(epoch3 + 3n);
    const wrapped = parseSnapshot(`${epoch3 - 20n}:${epoch3 + 4n}:${epoch3 + 1n}`);
    expect(isVisibleIn(wrapped, 4294967290)).toBe(true);
    expect(isVisibleIn(wrapped, 0)).toBe(true);
    expect(isVisibleIn(wrapped, 1)).toBe(false);
    expect(isVisibleIn(wrapped, 4)).toBe(false);
  });

  it('reads a snapshot with no running transactions and refuses garbage', () => {
    expect(parseSnapshot('5:5:').running.size).toBe(0);
    expect(() => parseSnapshot('nope')).toThrow(/not a pg_snapshot/);
  });
});
