/**
 * Small readers for request bodies, query strings and path parameters. Each one either returns
 * the value in the type the service wants or throws a ValidationError naming the field.
 */
import { ValidationError } from './http-errors.ts';

export type Body = Record<string, unknown>;

export function requireBody(body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('body', 'must be a JSON object');
  }
  return body as Body;
}

type StringRule = { maxLength?: number; pattern?: RegExp; patternHint?: string };

export function readString(body: Body, field: string, rule: StringRule = {}): string {
  const value = body[field];
  if (value === undefined || value === null) throw new ValidationError(field, 'is required');
  return checkString(value, field, rule);
}

/** Absent -> undefined; explicit null -> null (clears a nullable column). */
export function readOptionalString(
  body: Body,
  field: string,
  rule: StringRule = {},
): string | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  return checkString(value, field, rule);
}

function checkString(value: unknown, field: string, rule: StringRule): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  const trimmed = value.trim();
  if (trimmed === '') throw new ValidationError(field, 'must not be empty');
  const max = rule.maxLength ?? 500;
  if (trimmed.length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  if (rule.pattern && !rule.pattern.test(trimmed))
    throw new ValidationError(field, rule.patternHint ?? 'has an invalid format');
  return trimmed;
}

/** Money: a non-negative number with at most two decimals, below 10^10 (numeric(12,2)). */
export function readMoney(body: Body, field: string): number {
  const value = body[field];
  if (value === undefined || value === null) throw new ValidationError(field, 'is required');
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ValidationError(field, 'must be a number');
  if (value < 0) throw new ValidationError(field, 'must not be negative');
  if (value >= 1e10) throw new ValidationError(field, 'must be below 10000000000');
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

/** An id in a path or body: a positive integer (bigserial ids fit in a JS number here). */
export function parseId(raw: unknown, field: string): number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,15}$/.test(text)) {
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
