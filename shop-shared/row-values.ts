/**
 * pg returns bigint and numeric columns as strings (they may not fit a double); the shop's ids and
 * amounts do fit, and the API answers with numbers, so stores convert with these.
 */
export const toId = (value: unknown): number => Number(value);

/** numeric(12,2) -> number with two decimals. */
export const toMoney = (value: unknown): number => Math.round(Number(value) * 100) / 100;

/** Sum of money amounts without binary-float drift: computed in cents. */
export function sumMoney(amounts: number[]): number {
  return amounts.reduce((cents, amount) => cents + Math.round(amount * 100), 0) / 100;
}

export const toDate = (value: unknown): Date =>
  value instanceof Date ? value : new Date(String(value));
