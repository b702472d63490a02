/**
 * Reads and validates `POST /api/inventory/:productId/adjust` bodies. The limits of the
 * `inventory` table (migrations/legacy/0001) are named here, once: `LIMITS`.
 */
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  INTEGER,
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../shop-shared/validate.ts';
import type { Adjustment } from './inventory-service.ts';

export const LIMITS = {
  delta: { min: -1_000_000, max: 1_000_000 },
  reason: { maxLength: 200 },
  /** `quantity integer`, never negative (inventory_quantity_not_negative) */
  quantity: { min: 0, max: INTEGER.max },
} as const;

export function readAdjustment(raw: unknown): Adjustment {
  const body = requireBody(raw);
  rejectUnknownFields(body, ['delta', 'reason']);
  const delta = readInteger(body, 'delta', LIMITS.delta);
  if (delta === 0) throw new ValidationError('delta', 'must not be zero');
  return { delta, reason: readString(body, 'reason', LIMITS.reason) };
}
