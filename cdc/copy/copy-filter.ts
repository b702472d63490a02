/**
 * Which change events a finished copy already holds, so that the sink skips them: an event of a
 * transaction that the snapshot of its key's chunk saw committed is in the copied rows. Applying
 * it again would do no lasting harm (the later events of the key follow), but it would move the
 * row back to an older version for a while, and "none applied twice" is what the sink promises.
 *
 * Only events below the copy's `finishLsn` can be in it: a transaction a chunk saw had committed,
 * so its changes lie below the WAL position taken after the last chunk. Events without an LSN or
 * a transaction id (none from Debezium's streaming) are applied.
 */
import { parseLsn } from '../lsn.ts';
import { rangeOf, type KeyRange } from './chunk-ranges.ts';
import type { CopiedChunk } from './copy-store.ts';
import { isVisibleIn, parseSnapshot, type Snapshot } from './snapshot-visibility.ts';

export type CopyFilter = (event: {
  keyId: string;
  lsn: bigint | null;
  txId: number | null;
}) => boolean;

/** The integer of a one-column key identity (change-event.ts keyIdentity: `[42]` or `["42"]`). */
export function integerKeyOf(keyId: string): bigint {
  return BigInt(keyId.slice(1, -1).replace(/"/g, ''));
}

export function copyFilter(chunks: readonly CopiedChunk[], finishLsn: string): CopyFilter {
  const finish = parseLsn(finishLsn);
  const ranges: readonly KeyRange[] = chunks;
  const snapshots: Snapshot[] = chunks.map((c) => parseSnapshot(c.snapshot));
  const ranged = chunks.length > 1;
  return (event) => {
    if (event.lsn === null || event.txId === null || event.lsn >= finish) return false;
    const chunk = ranged ? rangeOf(ranges, integerKeyOf(event.keyId)) : 0;
    return isVisibleIn(snapshots[chunk], event.txId);
  };
}
