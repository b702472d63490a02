/**
 * What `ficus verify <service> --repair` changes, decided from the row-by-row differences of a
 * table (pure: no I/O). Which side is the source of a table depends on who owns its writes:
 * - forward (legacy -> service; every replicated table, and owned tables before `live`): a key
 *   missing in the service or mismatched is re-copied from legacy; a key only the service has is
 *   deleted from the service;
 * - reverse (service -> legacy; owned tables once the service owns the writes): a key only the
 *   service has or mismatched is copied into legacy; a key only legacy has is deleted from legacy.
 * The kinds only say what is expected: the repair reads the source again for every key, under the
 * sink's lock (repair-apply.ts), and a key the source no longer has is deleted whatever its kind.
 */
import type { Direction } from '../../plan/mapping.ts';
import type { DifferenceKind } from './compare-rows.ts';

export type TableDiff = {
  source: string;
  target: string;
  /** the target key's column names, in key order */
  keyNames: string[];
  keys: Record<DifferenceKind, string[][]>;
};

export type TableRepair = {
  source: string;
  target: string;
  keyNames: string[];
  /** which way this table flows: the side the rows are read from */
  direction: Direction;
  /** keys to copy from the source side (text of each key column) */
  copy: string[][];
  /** keys to delete from the written side */
  remove: string[][];
};

/** The direction a table is repaired in: replicated tables always flow forward. */
export function tableDirection(
  kind: 'owns' | 'replicates',
  serviceDirection: Direction,
): Direction {
  return kind === 'replicates' ? 'forward' : serviceDirection;
}

export function planTableRepair(diff: TableDiff, direction: Direction): TableRepair {
  const { mismatched, missingInTarget, extraInTarget } = diff.keys;
  const base = { source: diff.source, target: diff.target, keyNames: diff.keyNames, direction };
  return direction === 'forward'
    ? { ...base, copy: [...mismatched, ...missingInTarget], remove: [...extraInTarget] }
    : { ...base, copy: [...mismatched, ...extraInTarget], remove: [...missingInTarget] };
}

export const repairSize = (r: TableRepair) => r.copy.length + r.remove.length;

/** Every key of a repair once, copies first, cut into transactions of at most `size` keys. */
export function repairBatches(r: TableRepair, size: number): string[][][] {
  const seen = new Set<string>();
  const keys = [...r.copy, ...r.remove].filter((k) => {
    const id = JSON.stringify(k);
    return seen.has(id) ? false : (seen.add(id), true);
  });
  const out: string[][][] = [];
  for (let i = 0; i < keys.length; i += Math.max(1, size)) out.push(keys.slice(i, i + size));
  return out;
}

const keyText = (names: string[], key: string[]) =>
  names.length === 1 ? key[0] : `(${names.map((n, i) => `${n}=${key[i]}`).join(', ')})`;

/** Keys as text, at most `limit` of them, with how many more. */
function listKeys(names: string[], keys: string[][], limit: number): string {
  if (!keys.length) return 'none';
  const shown = keys.slice(0, limit).map((k) => keyText(names, k));
  return keys.length > limit
    ? `${shown.join(', ')} … (${keys.length - limit} more)`
    : shown.join(', ');
}

/** The plan as an operator reads it (`--dry-run`): per table, the keys to re-copy and to delete. */
export function formatRepairPlan(repairs: TableRepair[], limit = 50): string {
  if (!repairs.some((r) => repairSize(r) > 0)) return 'nothing to repair\n';
  const lines: string[] = [];
  for (const r of repairs) {
    const [from, into] = r.direction === 'forward' ? ['legacy', 'service'] : ['service', 'legacy'];
    const names =
      r.direction === 'forward' ? `${r.source} -> ${r.target}` : `${r.target} -> ${r.source}`;
    lines.push(
      `  ${names} (${r.direction}): ${r.copy.length} to re-copy from ${from}, ${r.remove.length} to delete from ${into}`,
    );
    if (r.copy.length)
      lines.push(`    re-copy ${r.keyNames.join(', ')}: ${listKeys(r.keyNames, r.copy, limit)}`);
    if (r.remove.length)
      lines.push(`    delete ${r.keyNames.join(', ')}: ${listKeys(r.keyNames, r.remove, limit)}`);
  }
  return lines.join('\n') + '\n';
}
