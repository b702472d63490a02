/**
 * Whether a transaction's changes are in a copy: each chunk of a bulk copy is read in a snapshot
 * (`pg_current_snapshot()`), and a change event whose transaction that snapshot already saw is in
 * the copied rows, so the sink skips it (applying it again could move the row back to an older
 * version while later changes wait in the stream).
 *
 * Debezium reports a transaction by its 32-bit xid (`source.txId`); a snapshot names transactions
 * by 64-bit xid8 (epoch and xid). A copy and the stream that follows it span far less than 2^31
 * transactions, so the event's xid is widened to the xid8 nearest the snapshot's xmax.
 *
 *   const seen = parseSnapshot('1000:1010:1003,1007');
 *   isVisibleIn(seen, 1002) // true: committed before the snapshot
 *   isVisibleIn(seen, 1003) // false: still running when it was taken
 */
export type Snapshot = { xmin: bigint; xmax: bigint; running: ReadonlySet<bigint> };

const XID_SPACE = 1n << 32n;
const HALF = 1n << 31n;

/** `xmin:xmax:xip,...` as PostgreSQL prints a pg_snapshot. */
export function parseSnapshot(text: string): Snapshot {
  const match = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim());
  if (!match) throw new Error(`not a pg_snapshot: "${text}"`);
  const running = new Set(match[3] ? match[3].split(',').map((x) => BigInt(x)) : []);
  return { xmin: BigInt(match[1]), xmax: BigInt(match[2]), running };
}

/** The xid8 of a 32-bit xid, taken as the one nearest `near` (within 2^31 either way). */
export function widenXid(xid: number, near: bigint): bigint {
  const epochBase = near - (near % XID_SPACE);
  let full = epochBase + BigInt(xid);
  if (full > near + HALF) full -= XID_SPACE;
  else if (full < near - HALF) full += XID_SPACE;
  return full;
}

/** Whether `snapshot` sees the transaction with 32-bit xid `xid` as committed. */
export function isVisibleIn(snapshot: Snapshot, xid: number): boolean {
  const full = widenXid(xid, snapshot.xmax);
  if (full < snapshot.xmin) return true;
  if (full >= snapshot.xmax) return false;
  return !snapshot.running.has(full);
}
