/**
 * Money at the boundaries. The contract carries money as a JSON number with at most two decimals;
 * the legacy DB and the orders DB keep numeric(12,2) (node-postgres hands it over as a string);
 * the catalog keeps integer cents. All conversions go through cents so no float arithmetic
 * decides a price.
 */
import { ValidationError } from './http-errors.ts';

/** numeric(12,2) allows 10 integer digits. */
export const MAX_CENTS = 99_999_999_999;

/** A price from a request body, in cents; rejects negatives, NaN and more than two decimals. */
export function centsFromPrice(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(field, `${field} must be a non-negative number, got ${JSON.stringify(value)}`);
  }
  const cents = Math.round(value * 100);
  if (Math.abs(cents - value * 100) > 1e-6) {
    throw new ValidationError(field, `${field} must have at most two decimals, got ${value}`);
  }
  if (cents > MAX_CENTS) throw new ValidationError(field, `${field} must be below 1e10, got ${value}`);
  return cents;
}

/** Cents to the contract's JSON number (1250 -> 12.5). */
export const priceFromCents = (cents: number): number => cents / 100;

/** A numeric(12,2) column value ("12.50" or 12.5) to cents, exactly. */
export function centsFromNumeric(value: string | number): number {
  const text = typeof value === 'number' ? value.toFixed(2) : value;
  const match = /^(-?)(\d+)(?:\.(\d{1,2})\d*)?$/.exec(text.trim());
  if (!match) throw new TypeError(`not a numeric(12,2) value: ${JSON.stringify(value)}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '0').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}

/** Cents to the string form Postgres takes for numeric(12,2) ("1250" -> "12.50"). */
export function numericFromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
