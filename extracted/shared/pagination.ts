/** `?page=1&pageSize=50` as the contract defines it (docs/api.md): pageSize 1..200, default 50. */
import { ValidationError } from './http-errors.ts';

export type Page = { page: number; pageSize: number };
export type PageOf<T> = Page & { items: T[]; total: number };

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

function positiveInteger(name: string, raw: unknown, fallback: number, max?: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || (max !== undefined && value > max)) {
    const range = max === undefined ? 'a positive integer' : `an integer from 1 to ${max}`;
    throw new ValidationError(name, `query parameter ${name} must be ${range}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function parsePage(query: Record<string, unknown>): Page {
  return {
    page: positiveInteger('page', query.page, 1),
    pageSize: positiveInteger('pageSize', query.pageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
}

export const pageOffset = ({ page, pageSize }: Page) => (page - 1) * pageSize;
