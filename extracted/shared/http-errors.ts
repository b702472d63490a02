/**
 * The error kinds an extracted service answers with. They are FicusError subclasses (the one
 * base error of ficus, lib/errors.ts, which carries the HTTP status and the JSON form), and their
 * codes are the ones of the shop's contract (docs/api.md), so a service fails exactly like the
 * monolith does.
 */
import { FicusError } from '../../lib/errors.ts';

/** 400: the request is malformed; `details.field` names the bad field. */
export class ValidationError extends FicusError {
  constructor(field: string, message: string) {
    super('validation_failed', message, { status: 400, details: { field } });
  }
}

/** 404: the addressed thing does not exist. */
export class NotFoundError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('not_found', message, { status: 404, details });
  }
}

/** 409: the request is valid but clashes with the current state (duplicate SKU, no stock...). */
export class ConflictError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, { status: 409, details });
  }
}

/** 502: a service this one depends on answered with something it cannot use. */
export class UpstreamError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('upstream_failed', message, { status: 502, retriable: true, details });
  }
}
