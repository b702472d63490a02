/**
 * Small readers for request bodies, query strings and path parameters. Each one either returns
 * the value in the type the service wants or throws a ValidationError naming the field.
 *
 * They refuse whatever the database could not store (PostgreSQL refuses NUL in text, and a
 * number past its column's range), so no input reaches the database and comes back as a 500.
 * The limits are the caller's: each feature's input reader names its table's limits in one place,
 * built from the column types below.
 */
import { ValidationError } from './http-errors.ts';

export type Body = Record<string, unknown>;

/** What a `numeric(12,2)` column holds (the shop's money): up to 9,999,999,999.99. */
export const NUMERIC_12_2 = { max: 9_999_999_999.99 } as const;
/** What an `integer` column holds. */
export const INTEGER = { min: -2_147_483_648, max: 2_147_483_647 } as const;
/** A `bigint`/`bigserial` id, as far as a JS number keeps it exact. */
export const ID = { min: 1, max: Number.MAX_SAFE_INTEGER } as const;

export function requireBody(body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('body', 'must be a JSON object');
  }
  return body as Body;
}

/** `maxLength` counts UTF-16 code units, never fewer than PostgreSQL's characters. */
export type StringRule = { maxLength: number; pattern?: RegExp; patternHint?: string };

export function readString(body: Body, field: string, rule: StringRule): string {
  const value = body[field];
  if (value === undefined || value === null) throw new ValidationError(field, 'is required');
  return checkString(value, field, rule);
}

/** Absent -> undefined; explicit null -> null (clears a nullable column). */
export function readOptionalString(
  body: Body,
  field: string,
  rule: StringRule,
): string | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  return checkString(value, field, rule);
}

// In a `u` regex a well-formed surrogate pair is one code point, so \p{Cs} finds only lone ones.
const LONE_SURROGATE = /\p{Cs}/u;

function checkString(value: unknown, field: string, rule: StringRule): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  // PostgreSQL's text cannot hold U+0000, and UTF-8 cannot encode a lone surrogate (pg would
  // store U+FFFD in its place): both are refused rather than failed or silently changed.
  if (value.includes('\u0000')) throw new ValidationError(field, 'must not contain NUL (U+0000)');
  if (LONE_SURROGATE.test(value))
    throw new ValidationError(field, 'must be valid Unicode (it holds a lone surrogate)');
  const trimmed = value.trim();
  if (trimmed === '') throw new ValidationError(field, 'must not be empty');
  const max = rule.maxLength;
  if (trimmed.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  if (rule.pattern && !rule.pattern.test(trimmed))
    throw new ValidationError(field, rule.patternHint ?? 'has an invalid format');
  return trimmed;
}

/**
 * Money: a non-negative number with at most two decimals, at most `column.max` (the largest
 * amount the column keeps, e.g. NUMERIC_12_2).
 */
export function readMoney(body: Body, field: string, column: { max: number }): number {
  const value = body[field];
  if (value === undefined || value === null) throw new ValidationError(field, 'is required');
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ValidationError(field, 'must be a number');
  if (value < 0) throw new ValidationError(field, 'must not be negative');
  if (value > column.max) throw new ValidationError(field, `must be at most ${column.max}`);
  if (Math.abs(Math.round(value * 100) - value * 100) > 1e-6)
    throw new ValidationError(field, 'must have at most two decimals');
  return Math.round(value * 100) / 100;
}

/** `label` names the field in errors when it sits deeper than the top level, e.g. `items[2].quantity`. */
export function readInteger(
  body: Body,
  field: string,
  range: { min: number; max: number },
  label = field,
): number {
  const value = body[field];
  if (value === undefined || value === null) throw new ValidationError(label, 'is required');
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ValidationError(label, 'must be an integer');
  if (value < range.min || value > range.max)
    throw new ValidationError(label, `must be between ${range.min} and ${range.max}`);
  return value;
}

export function readOptionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be true or false');
  return value;
}

/** An id in a path or query: a positive integer a JS number keeps exact (see ID). */
export function parseId(raw: unknown, field: string): number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,15}$/.test(text) || Number(text) > ID.max) {
    throw new ValidationError(field, 'must be a positive integer id');
  }
  return Number(text);
}

/** `?flag=true|false` in a query string; absent -> undefined. */
export function parseQueryBoolean(raw: unknown, field: string): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ValidationError(field, 'must be true or false');
}

/** Rejects fields the route does not know, so typos do not pass silently. */
export function rejectUnknownFields(body: Body, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown)
    throw new ValidationError(unknown, `is not a known field (known: ${allowed.join(', ')})`);
}
