/**
 * Per-key collapse: within a batch only the last change of each key matters, because every
 * upsert writes the whole mapped row and a delete removes it. A truncate wipes whatever came
 * before it in the batch, so the batch reduces to "maybe truncate, then these upserts and these
 * deletes". Each key appears once, so the one upsert statement and the one delete statement of
 * a table cannot touch the same row and their relative order does not matter.
 *
 * An update that left some values out (unchanged TOASTed columns, unavailable-value.ts) takes
 * them from the key's previous upsert in the batch, when there is one: an insert and then such an
 * update of one row in a batch still write the whole row.
 */
import type { RowChange } from './change-event.ts';
import { parseJson } from './exact-json.ts';

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
    const previous = last.get(event.keyId);
    // A Map keeps first-insertion order; deleting before re-setting moves the key to where its
    // latest change arrived, so statements list rows in arrival order of their final change.
    last.delete(event.keyId);
    last.set(event.keyId, previous && event.unchanged ? fillUnchanged(event, previous) : event);
  }
  const upserts: RowChange[] = [];
  const deletes: RowChange[] = [];
  for (const change of last.values()) (change.op === 'd' ? deletes : upserts).push(change);
  return { truncateFirst, upserts, deletes };
}

/** `change` with the values it left out taken from the same key's earlier upsert, where it has them. */
export function fillUnchanged(change: RowChange, earlier: RowChange): RowChange {
  if (earlier.op === 'd' || !change.unchanged) return change;
  const row = parseJson(change.row.toString()) as Record<string, unknown>;
  const from = parseJson(earlier.row.toString()) as Record<string, unknown>;
  const lacking = new Set(earlier.unchanged);
  const still = change.unchanged.filter((name) => lacking.has(name));
  for (const name of change.unchanged) if (!lacking.has(name)) row[name] = from[name];
  const { unchanged: _dropped, ...rest } = change;
  return {
    ...rest,
    row: Buffer.from(JSON.stringify(row)),
    ...(still.length ? { unchanged: still } : {}),
  };
}
