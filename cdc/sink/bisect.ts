/**
 * Finds the rows that make a set-based statement fail, by bisection: try the whole set; if it
 * fails with an error a row can cause, try each half, and so on down to single rows. With k bad
 * rows among n this costs O(k log n) statements instead of n, and the good rows are still written
 * set-based. `attempt` must undo its own partial effect when it throws (a savepoint does).
 */
export type BisectResult<T> = { failed: { item: T; error: unknown }[]; statements: number };

export async function bisect<T>(
  items: T[],
  attempt: (items: T[]) => Promise<void>,
  isRowError: (error: unknown) => boolean,
): Promise<BisectResult<T>> {
  const result: BisectResult<T> = { failed: [], statements: 0 };
  const run = async (part: T[]): Promise<void> => {
    if (part.length === 0) return;
    result.statements++;
    try {
      await attempt(part);
      return;
    } catch (error) {
      // Anything a row cannot cause (connection lost, a bug in the SQL) is not bisected: it goes
      // up to the retry loop or stops the worker.
      if (!isRowError(error)) throw error;
      if (part.length === 1) {
        result.failed.push({ item: part[0], error });
        return;
      }
    }
    const middle = Math.ceil(part.length / 2);
    await run(part.slice(0, middle));
    await run(part.slice(middle));
  };
  await run(items);
  return result;
}

/** SQLSTATE classes a single row's values can cause: data exceptions (22), integrity (23), raise (P0). */
export function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|P0)/.test(code);
}
