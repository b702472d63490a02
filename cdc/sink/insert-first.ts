/**
 * Rows that arrive as inserts (Debezium's `c`, and a snapshot's `r`) are nearly always new to the
 * target, and a plain `INSERT` of them costs the target less than the upsert, which checks each
 * row's key for a conflict first: about a fifth of the target's CPU per event on the sink bench
 * (bench/sink-throughput.ts). So a batch's inserts go first as a plain `INSERT`; one that meets a
 * key already there (a snapshot taken again, a row written on both sides) makes the batch apply
 * again with the upsert (apply-batch.ts), and the table's inserts then go as upserts for the next
 * batches, so that a table whose rows are all there already does not pay for two attempts each
 * time. It tries plain inserts again after that many batches.
 */

/** After a conflict, a table's inserts go as upserts for this many of its batches. */
export const UPSERT_BATCHES_AFTER_CONFLICT = 64;

export type InsertFirst = {
  /** whether this batch of `table` sends its inserts as a plain `INSERT` (counts the batch) */
  tryInserts(table: string): boolean;
  /** a plain `INSERT` of `table` met a key already in it */
  conflicted(table: string): void;
};

export function createInsertFirst(upsertBatches = UPSERT_BATCHES_AFTER_CONFLICT): InsertFirst {
  const upsertsLeft = new Map<string, number>();
  return {
    tryInserts(table) {
      const left = upsertsLeft.get(table);
      if (left === undefined) return true;
      if (left <= 1) upsertsLeft.delete(table);
      else upsertsLeft.set(table, left - 1);
      return false;
    },
    conflicted(table) {
      upsertsLeft.set(table, upsertBatches);
    },
  };
}

/** PostgreSQL's unique_violation: the only error a plain INSERT adds to the upsert's. */
export const isUniqueViolation = (error: unknown): boolean =>
  (error as { code?: unknown })?.code === '23505';
