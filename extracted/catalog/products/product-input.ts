/**
 * Reads and validates the catalog's product bodies (POST creates, PUT patches) straight into the
 * catalog's columns: `name` -> `title`, `price` -> integer cents. The catalog's own reader, written
 * after the monolith's (monolith/products/product-input.ts): the same fields, rules and messages,
 * because the contract (docs/api.md) says how a product is refused and the parallel run compares
 * refusals too (products.e2e.test.ts asks both). Meant to diverge where the catalog's data
 * differs: it must also refuse what its own columns cannot hold. The limits of the catalog's
 * `products` table (migrations/catalog/0002) are named here, once: `LIMITS`.
 */
import { ValidationError } from '../../shared/http-errors.ts';
import {
  NUMERIC_12_2,
  readMoney,
  readOptionalBoolean,
  readOptionalString,
  readString,
  rejectUnknownFields,
  requireBody,
  type Body,
} from '../../../shop-shared/validate.ts';
import { centsFromPrice, priceFromCents } from '../../shared/money.ts';
import type { NewProduct, ProductChanges } from './product-types.ts';

const FIELDS = ['sku', 'name', 'description', 'price', 'active'] as const;

/**
 * The most cents the catalog's `price_cents` column holds as this code reads it: the column is a
 * `bigint` (migration 0004), read into a JavaScript number, so exact up to 2^53 - 1. Every price
 * the monolith's numeric(12,2) keeps fits; prices stay within that contract whatever the column
 * holds. Should the column change, change this constant and nothing else.
 */
export const PRICE_CENTS_COLUMN_MAX = Number.MAX_SAFE_INTEGER;

/** What each field of a product may hold: the contract's rules within the catalog's columns. */
export const LIMITS = {
  sku: {
    maxLength: 64,
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    patternHint: 'may hold only letters, digits, ".", "_" and "-"',
  },
  /** `title` */
  name: { maxLength: 200 },
  description: { maxLength: 5000 },
  /** `price_cents` */
  price: { max: Math.min(priceFromCents(PRICE_CENTS_COLUMN_MAX), NUMERIC_12_2.max) },
} as const;

const readSku = (body: Body) => readString(body, 'sku', LIMITS.sku);
const readTitle = (body: Body) => readString(body, 'name', LIMITS.name);
const readDescription = (body: Body) =>
  readOptionalString(body, 'description', LIMITS.description) ?? null;
const readPriceCents = (body: Body) => centsFromPrice(readMoney(body, 'price', LIMITS.price));

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
