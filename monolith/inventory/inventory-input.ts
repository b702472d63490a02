/** Reads and validates `POST /api/inventory/:productId/adjust` bodies. */
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../shop-shared/validate.ts';
import type { Adjustment } from './inventory-service.ts';

export function readAdjustment(raw: unknown): Adjustment {
  const body = requireBody(raw);
  rejectUnknownFields(body, ['delta', 'reason']);
  const delta = readInteger(body, 'delta', { min: -1_000_000, max: 1_000_000 });
  if (delta === 0) throw new ValidationError('delta', 'must not be zero');
  return { delta, reason: readString(body, 'reason', { maxLength: 200 }) };
}
