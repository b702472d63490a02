/**
 * The error kinds the shop answers with (docs/api.md). Each is a small subclass of the one base
 * error, FicusError, which carries the HTTP status and the JSON form `{ error, message, details? }`.
 */
import { FicusError } from '../lib/errors.ts';

/** 400: the request is malformed; `details.field` names the offending field. */
export class ValidationError extends FicusError {
  constructor(field: string, message: string) {
    super('validation_failed', `${field}: ${message}`, { status: 400, details: { field } });
  }
}

/** 404: the thing named by the request does not exist. */
export class NotFoundError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('not_found', message, { status: 404, details });
  }
}

/** 409: the request clashes with the current state (duplicate key, not enough stock, still referenced). */
export class ConflictError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, { status: 409, details });
  }
}

/** 415: the body comes in a charset or content encoding the shop does not read. */
export class UnsupportedMediaError extends FicusError {
  constructor(message: string) {
    super('unsupported_media_type', `body: ${message}`, {
      status: 415,
      details: { field: 'body' },
    });
  }
}

/** Postgres SQLSTATE of an error thrown by pg, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isUniqueViolation = (error: unknown) => sqlState(error) === '23505';
export const isForeignKeyViolation = (error: unknown) => sqlState(error) === '23503';
