/**
 * List pagination of docs/api.md: `?page=1&pageSize=50`, pageSize 1..200 (default 50), answered as
 * `{ items, page, pageSize, total }`, ordered by id ascending.
 */
import { ValidationError } from './http-errors.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export type PageRequest = { page: number; pageSize: number };
export type Page<T> = { items: T[]; page: number; pageSize: number; total: number };

function readPositive(raw: unknown, field: string, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw))
    throw new ValidationError(field, 'must be a positive integer');
  const value = Number(raw);
  if (value < 1 || value > max) throw new ValidationError(field, `must be between 1 and ${max}`);
  return value;
}

export function parsePageRequest(query: Record<string, unknown>): PageRequest {
  return {
    page: readPositive(query.page, 'page', 1, 1_000_000),
    pageSize: readPositive(query.pageSize, 'pageSize', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
}

/** Rows to skip for a page (pages count from 1). */
export function pageOffset(request: PageRequest): number {
  return (request.page - 1) * request.pageSize;
}

export function toPage<T>(items: T[], request: PageRequest, total: number): Page<T> {
  return { items, page: request.page, pageSize: request.pageSize, total };
}
