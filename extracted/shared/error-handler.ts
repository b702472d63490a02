/**
 * The last two middlewares of every extracted service: unknown routes answer 404 and every
 * thrown error answers in the contract's error shape. FicusErrors carry their own status and
 * JSON; anything else is a bug and answers 500 `internal` without leaking internals.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { FicusError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { NotFoundError, ValidationError } from './http-errors.ts';

export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError(`no route ${req.method} ${req.path}`));
}

/** body-parser marks its own failures (bad JSON, too large) with `type` and `status`. */
function isBodyParserError(error: unknown): error is { type: string; status: number; message: string } {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let failure: FicusError;
    if (error instanceof FicusError) failure = error;
    else if (isBodyParserError(error) && error.status < 500) {
      failure = new ValidationError('body', `request body is not valid JSON: ${error.message}`);
    } else {
      logger.error('request failed', { method: req.method, path: req.path, error: String(error?.stack ?? error) });
      failure = new FicusError('internal', `internal error while serving ${req.method} ${req.path}`);
    }
    res.status(failure.status).json(failure.toJSON());
  };
}
