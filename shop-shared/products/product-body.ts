/**
 * A product body as the contract (docs/api.md) has it, for the monolith's reader and the catalog's
 * alike: its fields, the limits of its text fields (the same in both tables) and the readers of
 * those. Each side reads the body into its own columns and checks the price against its own
 * column (the monolith's numeric(12,2), the catalog's integer cents), so those stay with it.
 */
import { ValidationError } from '../http-errors.ts';
import {
  readOptionalString,
  readString,
  rejectUnknownFields,
  requireBody,
  type Body,
} from '../validate.ts';

export const PRODUCT_FIELDS = ['sku', 'name', 'description', 'price', 'active'] as const;

/** What each text field of a product may hold: the shop's rules within the columns' types. */
export const PRODUCT_TEXT_LIMITS = {
  sku: {
    maxLength: 64,
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    patternHint: 'may hold only letters, digits, ".", "_" and "-"',
  },
  name: { maxLength: 200 },
  description: { maxLength: 5000 },
} as const;

/** A body that holds no field but the contract's (a POST's). */
export function requireProductBody(raw: unknown): Body {
  const body = requireBody(raw);
  rejectUnknownFields(body, PRODUCT_FIELDS);
  return body;
}

/** A PUT's body: no field but the contract's, and at least one of them. */
export function requireProductChanges(raw: unknown): Body {
  const body = requireProductBody(raw);
  if (!PRODUCT_FIELDS.some((f) => body[f] !== undefined))
    throw new ValidationError('body', `must hold at least one of ${PRODUCT_FIELDS.join(', ')}`);
  return body;
}

export const readSku = (body: Body) => readString(body, 'sku', PRODUCT_TEXT_LIMITS.sku);
export const readProductName = (body: Body) => readString(body, 'name', PRODUCT_TEXT_LIMITS.name);
export const readDescription = (body: Body) =>
  readOptionalString(body, 'description', PRODUCT_TEXT_LIMITS.description) ?? null;
