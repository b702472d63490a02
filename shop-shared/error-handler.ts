/**
 * Turns every error into the JSON error body of docs/api.md. FicusErrors answer with their own
 * status and code; what Express's own parsers refuse (a body that is not JSON or too large, a
 * charset or content encoding it does not read, a path that is not valid percent-encoding) is a
 * 4xx naming `body` or `path`; a violated key constraint a 409; anything else is a 500
 * `internal`, logged with the request, and its message not leaked to the client.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { FicusError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import {
  ConflictError,
  NotFoundError,
  UnsupportedMediaError,
  ValidationError,
  isForeignKeyViolation,
  isUniqueViolation,
} from './http-errors.ts';

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route ${req.method} ${req.path}`));
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    let answer: FicusError;
    if (error instanceof FicusError) answer = error;
    else if (refusedByParser(error)) answer = parserRefusal(error, req.path);
    // A race the services did not foresee (say, a customer deleted while their order is placed):
    // the database's constraints still hold, and the client learns it was a conflict.
    else if (isForeignKeyViolation(error) || isUniqueViolation(error)) {
      const constraint = (error as { constraint?: string }).constraint ?? 'a constraint';
      answer = new ConflictError(
        `${req.method} ${req.path} conflicts with the current data (${constraint})`,
        { constraint },
      );
    } else {
      log.error('request failed', {
        method: req.method,
        path: req.path,
        error: (error as Error)?.stack ?? String(error),
      });
      answer = new FicusError(
        'internal',
        `internal error while serving ${req.method} ${req.path}`,
        { status: 500 },
      );
    }
    if (answer.status >= 500 && error === answer)
      log.error('request failed', { method: req.method, path: req.path, error: answer.message });
    res.status(answer.status).json(answer.toJSON());
  };
}

type ParserError = Error & { status: number; type?: string };

/**
 * Express's own refusals, before any route runs: body-parser's (http-errors marks client errors
 * `expose`, with a 4xx status) and the router's, which fails to decode a path parameter with a
 * URIError of status 400.
 */
function refusedByParser(error: unknown): error is ParserError {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  const clientStatus = typeof status === 'number' && status >= 400 && status < 500;
  return clientStatus && (expose === true || error instanceof URIError);
}

function parserRefusal(error: ParserError, path: string): FicusError {
  if (error instanceof URIError)
    return new ValidationError('path', `is not valid percent-encoded UTF-8 (${path})`);
  if (error.type === 'entity.parse.failed') return new ValidationError('body', 'is not valid JSON');
  if (error.type === 'entity.too.large') return new ValidationError('body', 'is too large');
  if (error.status === 415) return new UnsupportedMediaError(error.message);
  return new ValidationError('body', `could not be read: ${error.message}`);
}
