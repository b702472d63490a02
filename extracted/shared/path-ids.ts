import { ValidationError } from './http-errors.ts';

/** A bigint id from a path or body, as a JS number (ids stay far below 2^53 in practice). */
export function parseId(field: string, raw: unknown): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(field, `${field} must be a positive integer id, got ${JSON.stringify(raw)}`);
  }
  return value;
}
