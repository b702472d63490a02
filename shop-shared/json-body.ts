/**
 * The shop's JSON body parser: express.json up to 1 MiB, and a body that claims UTF-8 must be
 * UTF-8. Left alone, the parser decodes invalid bytes to U+FFFD and the shop would store text
 * the client never sent; here such a body is refused with 400 naming `body`.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { ValidationError } from './http-errors.ts';

export const JSON_BODY_LIMIT = '1mb';

/** body-parser's `verify`: a thrown FicusError keeps its status (400), not the parser's 403. */
function refuseInvalidUtf8(
  _req: IncomingMessage,
  _res: unknown,
  body: Buffer,
  encoding: string,
): void {
  if (encoding === 'utf-8' && !isUtf8(body))
    throw new ValidationError('body', 'is not valid UTF-8');
}

export function jsonBody(): RequestHandler {
  return express.json({ limit: JSON_BODY_LIMIT, verify: refuseInvalidUtf8 });
}
