/**
 * The proxy's own error kinds. Each carries a stable code (clients and tests match on it) and the
 * HTTP status it answers with; the body is `FicusError#toJSON()` plus the request id.
 */
import { FicusError } from '../lib/errors.ts';

/** A proxy setting is wrong; `details.variable` names the environment variable. */
export class ProxyConfigError extends FicusError {
  constructor(variable: string, message: string) {
    super('proxy_config_invalid', `${variable}: ${message}`, {
      status: 500,
      details: { variable },
    });
  }
}

/** The writes of a service are held for its cut-over and the hold outlasted the bound. */
export class WritesHeldError extends FicusError {
  readonly retryAfterSeconds: number;
  constructor(service: string, waitedMs: number, retryAfterSeconds: number) {
    super(
      'writes_held',
      `writes to ${service} are held for its cut-over; waited ${waitedMs} ms, try again in ${retryAfterSeconds} s`,
      { status: 503, retriable: true, details: { service } },
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request body larger than the proxy accepts for a migrated route. */
export class RequestTooLargeError extends FicusError {
  constructor(limit: number, got: number) {
    super('request_too_large', `request body of ${got} bytes is over the limit of ${limit} bytes`, {
      status: 413,
      details: { limit },
    });
  }
}

/** A request target the proxy cannot route as the upstream would (canonical-target.ts says why). */
export class BadRequestTargetError extends FicusError {
  constructor(target: string, reason: string) {
    super(
      'bad_request_target',
      `request target ${JSON.stringify(target.slice(0, 200))}: ${reason}`,
      {
        status: 400,
      },
    );
  }
}

/** Two Host headers: which one names the site is anyone's guess (RFC 9112 §3.2 says 400). */
export class DuplicateHostError extends FicusError {
  constructor(count: number) {
    super('duplicate_host', `the request carries ${count} Host headers; one is allowed`, {
      status: 400,
    });
  }
}

/** The upstream that should answer did not (connection refused, reset, timeout). */
export class UpstreamUnavailableError extends FicusError {
  constructor(backend: string, reason: string) {
    super('upstream_unavailable', `${backend} did not answer: ${reason}`, {
      status: 502,
      retriable: true,
      details: { backend },
    });
  }
}
