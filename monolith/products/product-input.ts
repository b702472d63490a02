/**
 * Reads and validates product bodies (POST creates, PUT patches). The limits of the `products`
 * table (migrations/legacy/0001) are named here, once: `LIMITS`.
 */
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  NUMERIC_12_2,
  readMoney,
  readOptionalBoolean,
  readOptionalString,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../shop-shared/validate.ts';
import type { NewProduct, ProductPatch } from './product-types.ts';

const FIELDS = ['sku', 'name', 'description', 'price', 'active'] as const;

/** What each field of a product may hold: the shop's rules within the columns' types. */
export const LIMITS = {
  sku: {
    maxLength: 64,
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    patternHint: 'may hold only letters, digits, ".", "_" and "-"',
  },
  name: { maxLength: 200 },
  description: { maxLength: 5000 },
  /** `price numeric(12,2)` */
  price: NUMERIC_12_2,
} as const;

export function readNewProduct(raw: unknown): NewProduct {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  return {
    sku: readString(body, 'sku', LIMITS.sku),
    name: readString(body, 'name', LIMITS.name),
    description: readOptionalString(body, 'description', LIMITS.description) ?? null,
    price: readMoney(body, 'price', LIMITS.price),
    active: readOptionalBoolean(body, 'active') ?? true,
  };
}

export function readProductPatch(raw: unknown): ProductPatch {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  if (!FIELDS.some((f) => body[f] !== undefined))
    throw new ValidationError('body', `must hold at least one of ${FIELDS.join(', ')}`);
  const patch: ProductPatch = {};
  if (body.sku !== undefined) patch.sku = readString(body, 'sku', LIMITS.sku);
  if (body.name !== undefined) patch.name = readString(body, 'name', LIMITS.name);
  if (body.description !== undefined)
    patch.description = readOptionalString(body, 'description', LIMITS.description) ?? null;
  if (body.price !== undefined) patch.price = readMoney(body, 'price', LIMITS.price);
  if (body.active !== undefined) patch.active = readOptionalBoolean(body, 'active');
  return patch;
}
