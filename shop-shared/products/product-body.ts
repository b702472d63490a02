/**
 * A product body as the contract (docs/api.md) has it, read and checked once for the monolith and
 * the catalog alike: its fields, the rules and messages of each, and the limits of its text fields
 * (the same in both tables). Only the price's limit is each side's own, its column's (the
 * monolith's numeric(12,2), the catalog's integer cents), so the caller passes it; the catalog
 * then maps what it read onto its own columns.
 */
import { ValidationError } from '../http-errors.ts';
import {
  readMoney,
  readOptionalBoolean,
  readOptionalString,
  readString,
  rejectUnknownFields,
  requireBody,
  type Body,
} from '../validate.ts';

/** A product in the contract's fields, as a POST gives it. */
export type ProductBody = {
  sku: string;
  name: string;
  description: string | null;
  price: number;
  active: boolean;
};

/** The largest price the caller's column keeps, e.g. NUMERIC_12_2. */
export type PriceColumn = { max: number };

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

const readSku = (body: Body) => readString(body, 'sku', PRODUCT_TEXT_LIMITS.sku);
const readName = (body: Body) => readString(body, 'name', PRODUCT_TEXT_LIMITS.name);
const readDescription = (body: Body) =>
  readOptionalString(body, 'description', PRODUCT_TEXT_LIMITS.description) ?? null;

function requireProductBody(raw: unknown): Body {
  const body = requireBody(raw);
  rejectUnknownFields(body, PRODUCT_FIELDS);
  return body;
}

/** A POST's body: every required field, `active` true unless it says otherwise. */
export function readProductBody(raw: unknown, price: PriceColumn): ProductBody {
  const body = requireProductBody(raw);
  return {
    sku: readSku(body),
    name: readName(body),
    description: readDescription(body),
    price: readMoney(body, 'price', price),
    active: readOptionalBoolean(body, 'active') ?? true,
  };
}

/** A PUT's body: the fields it holds (at least one), each checked as in a POST. */
export function readProductChanges(raw: unknown, price: PriceColumn): Partial<ProductBody> {
  const body = requireProductBody(raw);
  if (!PRODUCT_FIELDS.some((f) => body[f] !== undefined))
    throw new ValidationError('body', `must hold at least one of ${PRODUCT_FIELDS.join(', ')}`);
  const changes: Partial<ProductBody> = {};
  if (body.sku !== undefined) changes.sku = readSku(body);
  if (body.name !== undefined) changes.name = readName(body);
  if (body.description !== undefined) changes.description = readDescription(body);
  if (body.price !== undefined) changes.price = readMoney(body, 'price', price);
  if (body.active !== undefined) changes.active = readOptionalBoolean(body, 'active');
  return changes;
}
