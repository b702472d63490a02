/**
 * The error kinds of an extracted service. Validation, not-found and conflict are the shop's, shared
 * with the monolith (shop-shared/http-errors.ts): a service must fail exactly like the monolith for the same
 * request, down to the message, or the parallel run reports a difference. What only a service
 * can hit (a dependency it calls over HTTP) is added here, on the same base, FicusError.
 */
import { FicusError } from '../../lib/errors.ts';

export {
  ConflictError,
  NotFoundError,
  ValidationError,
  isUniqueViolation,
} from '../../shop-shared/http-errors.ts';

/** 502: a service this one depends on failed or answered something it cannot use. */
export class UpstreamError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('upstream_failed', message, { status: 502, retriable: true, details });
  }
}

/** 503: a dependency the route needs is not configured or not reachable; try again later. */
export class DependencyUnavailableError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('dependency_unavailable', message, { status: 503, retriable: true, details });
  }
}
