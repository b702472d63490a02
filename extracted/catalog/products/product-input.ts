/**
 * Reads and validates the catalog's product bodies (POST creates, PUT patches) straight into the
 * catalog's columns: `name` -> `title`, `price` -> integer cents. The catalog's own reader, written
 * after the monolith's (monolith/products/product-input.ts): the same fields, rules and messages,
 * because the contract (docs/api.md) says how a product is refused and the parallel run compares
 * refusals too (products.e2e.test.ts asks both). Meant to diverge where the catalog's data
 * differs: it must also refuse what its own columns cannot hold.
 */
import { ValidationError } from '../../shared/http-errors.ts';
import {
  readMoney,
  readOptionalBoolean,
  readOptionalString,
  readString,
  rejectUnknownFields,
  requireBody,
  type Body,
} from '../../../shop-shared/validate.ts';
import { centsFromPrice } from '../../shared/money.ts';
import type { NewProduct, ProductChanges } from './product-types.ts';

const FIELDS = ['sku', 'name', 'description', 'price', 'active'] as const;
const SKU = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  patternHint: 'may hold only letters, digits, ".", "_" and "-"',
};

const readSku = (body: Body) => readString(body, 'sku', SKU);
const readTitle = (body: Body) => readString(body, 'name', { maxLength: 200 });
const readDescription = (body: Body) =>
  readOptionalString(body, 'description', { maxLength: 5000 }) ?? null;
const readPriceCents = (body: Body) => centsFromPrice(readMoney(body, 'price'));

export function readNewCatalogProduct(raw: unknown): NewProduct {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  return {
    sku: readSku(body),
    title: readTitle(body),
    description: readDescription(body),
    priceCents: readPriceCents(body),
    active: readOptionalBoolean(body, 'active') ?? true,
  };
}

export function readCatalogProductChanges(raw: unknown): ProductChanges {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  if (!FIELDS.some((f) => body[f] !== undefined))
    throw new ValidationError('body', `must hold at least one of ${FIELDS.join(', ')}`);
  const changes: ProductChanges = {};
  if (body.sku !== undefined) changes.sku = readSku(body);
  if (body.name !== undefined) changes.title = readTitle(body);
  if (body.description !== undefined) changes.description = readDescription(body);
  if (body.price !== undefined) changes.priceCents = readPriceCents(body);
  if (body.active !== undefined) changes.active = readOptionalBoolean(body, 'active');
  return changes;
}
