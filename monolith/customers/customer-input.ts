/**
 * Reads and validates customer bodies (POST creates, PUT patches). The limits of the `customers`
 * table (migrations/legacy/0001, all text) are named here, once: `LIMITS`.
 */
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  readOptionalString,
  readString,
  rejectUnknownFields,
  requireBody,
  type Body,
} from '../../shop-shared/validate.ts';
import type { CustomerPatch, NewCustomer } from './customer-types.ts';

const FIELDS = ['name', 'email', 'phone', 'address'] as const;

/** What each field of a customer may hold: the shop's rules within the columns' types. */
export const LIMITS = {
  name: { maxLength: 200 },
  email: {
    maxLength: 254,
    pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
    patternHint: 'must be an email address',
  },
  phone: {
    maxLength: 40,
    pattern: /^[0-9+()\-. ]+$/,
    patternHint: 'may hold only digits, spaces and + ( ) - .',
  },
  address: { maxLength: 500 },
} as const;

const readEmail = (body: Body) => readString(body, 'email', LIMITS.email).toLowerCase();

export function readNewCustomer(raw: unknown): NewCustomer {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  return {
    name: readString(body, 'name', LIMITS.name),
    email: readEmail(body),
    phone: readOptionalString(body, 'phone', LIMITS.phone) ?? null,
    address: readOptionalString(body, 'address', LIMITS.address) ?? null,
  };
}

export function readCustomerPatch(raw: unknown): CustomerPatch {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  if (!FIELDS.some((f) => body[f] !== undefined))
    throw new ValidationError('body', `must hold at least one of ${FIELDS.join(', ')}`);
  const patch: CustomerPatch = {};
  if (body.name !== undefined) patch.name = readString(body, 'name', LIMITS.name);
  if (body.email !== undefined) patch.email = readEmail(body);
  if (body.phone !== undefined)
    patch.phone = readOptionalString(body, 'phone', LIMITS.phone) ?? null;
  if (body.address !== undefined)
    patch.address = readOptionalString(body, 'address', LIMITS.address) ?? null;
  return patch;
}
