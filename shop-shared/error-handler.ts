/**
 * Turns every error into the JSON error body of docs/api.md. FicusErrors answer with their own
 * status and code; malformed JSON is a 400; a violated key constraint a 409; anything else is a 500 `internal`, logged with the
 * request, and its message not leaked to the client.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { FicusError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import {
  ConflictError,
  NotFoundError,
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
    else if ((error as { type?: string })?.type === 'entity.parse.failed')
      answer = new ValidationError('body', 'is not valid JSON');
    else if ((error as { type?: string })?.type === 'entity.too.large')
      answer = new ValidationError('body', 'is too large');
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
