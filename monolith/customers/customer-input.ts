/** Reads and validates customer bodies (POST creates, PUT patches). */
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
const EMAIL = {
  maxLength: 254,
  pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  patternHint: 'must be an email address',
};
const PHONE = {
  maxLength: 40,
  pattern: /^[0-9+()\-. ]+$/,
  patternHint: 'may hold only digits, spaces and + ( ) - .',
};

const readEmail = (body: Body) => readString(body, 'email', EMAIL).toLowerCase();

export function readNewCustomer(raw: unknown): NewCustomer {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  return {
    name: readString(body, 'name', { maxLength: 200 }),
    email: readEmail(body),
    phone: readOptionalString(body, 'phone', PHONE) ?? null,
    address: readOptionalString(body, 'address', { maxLength: 500 }) ?? null,
  };
}

export function readCustomerPatch(raw: unknown): CustomerPatch {
  const body = requireBody(raw);
  rejectUnknownFields(body, FIELDS);
  if (!FIELDS.some((f) => body[f] !== undefined))
    throw new ValidationError('body', `must hold at least one of ${FIELDS.join(', ')}`);
  const patch: CustomerPatch = {};
  if (body.name !== undefined) patch.name = readString(body, 'name', { maxLength: 200 });
  if (body.email !== undefined) patch.email = readEmail(body);
  if (body.phone !== undefined) patch.phone = readOptionalString(body, 'phone', PHONE) ?? null;
  if (body.address !== undefined)
    patch.address = readOptionalString(body, 'address', { maxLength: 500 }) ?? null;
  return patch;
}
