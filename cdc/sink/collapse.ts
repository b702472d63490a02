/**
 * Per-key collapse: within a batch only the last change of each key matters, because every
 * upsert writes the whole mapped row and a delete removes it. A truncate wipes whatever came
 * before it in the batch, so the batch reduces to "maybe truncate, then these upserts and these
 * deletes". Each key appears once, so the one upsert statement and the one delete statement of
 * a table cannot touch the same row and their relative order does not matter.
 */
import type { RowChange } from './change-event.ts';

export type Collapsed = { truncateFirst: boolean; upserts: RowChange[]; deletes: RowChange[] };

export type Collapsible = RowChange | { kind: 'truncate' };

export function collapse(events: Collapsible[]): Collapsed {
  let truncateFirst = false;
  let last = new Map<string, RowChange>();
  for (const event of events) {
    if (event.kind === 'truncate') {
      last = new Map();
      truncateFirst = true;
      continue;
    }
    // A Map keeps first-insertion order; deleting before re-setting moves the key to where its
    // latest change arrived, so statements list rows in arrival order of their final change.
    last.delete(event.keyId);
    last.set(event.keyId, event);
  }
  const upserts: RowChange[] = [];
  const deletes: RowChange[] = [];
  for (const change of last.values()) (change.op === 'd' ? deletes : upserts).push(change);
  return { truncateFirst, upserts, deletes };
}
