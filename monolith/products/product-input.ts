/** Reads and validates product bodies (POST creates, PUT patches). */
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  readMoney,
  readOptionalBoolean,
  readOptionalString,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../shop-shared/validate.ts';
import type { NewProduct, ProductPatch } from './product-types.ts';

const FIELDS = ['sku', 'name', 'description', 'price', 'active'] as const;
const SKU = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  patternHint: 'may hold only letters, digits, ".", "_" and "-"',
};

export function readNewProduct(raw: unknown): NewProduct {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  return {
    sku: readString(body, 'sku', SKU),
    name: readString(body, 'name', { maxLength: 200 }),
    description: readOptionalString(body, 'description', { maxLength: 5000 }) ?? null,
    price: readMoney(body, 'price'),
    active: readOptionalBoolean(body, 'active') ?? true,
  };
}

export function readProductPatch(raw: unknown): ProductPatch {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  if (!FIELDS.some((f) => body[f] !== undefined))
    throw new ValidationError('body', `must hold at least one of ${FIELDS.join(', ')}`);
  const patch: ProductPatch = {};
  if (body.sku !== undefined) patch.sku = readString(body, 'sku', SKU);
  if (body.name !== undefined) patch.name = readString(body, 'name', { maxLength: 200 });
  if (body.description !== undefined)
    patch.description = readOptionalString(body, 'description', { maxLength: 5000 }) ?? null;
  if (body.price !== undefined) patch.price = readMoney(body, 'price');
  if (body.active !== undefined) patch.active = readOptionalBoolean(body, 'active');
  return patch;
}
