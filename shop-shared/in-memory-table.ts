/**
 * The rows of one table, in memory, for the fake stores of unit tests: ids from 1, timestamps
 * set on insert and update, pages ordered by id, and a unique-column check.
 */
import { ConflictError } from './http-errors.ts';
import { pageOffset, type PageRequest } from './pagination.ts';

type Row = { id: number; createdAt: Date; updatedAt: Date };

export class InMemoryTable<T extends Row> {
  readonly rows = new Map<number, T>();
  /** what a row is, for messages: 'product', 'customer' */
  readonly noun: string;
  private nextId = 1;

  constructor(noun: string) {
    this.noun = noun;
  }

  page(page: PageRequest, keep: (row: T) => boolean = () => true): { items: T[]; total: number } {
    const all = [...this.rows.values()].filter(keep).sort((a, b) => a.id - b.id);
    const start = pageOffset(page);
    return { items: all.slice(start, start + page.pageSize), total: all.length };
  }

  insert(data: Omit<T, keyof Row>): T {
    const now = new Date();
    const row = { ...data, id: this.nextId++, createdAt: now, updatedAt: now } as T;
    this.rows.set(row.id, row);
    return row;
  }

  /** Sets the defined fields of `patch`; undefined when there is no such row. */
  update(id: number, patch: Partial<T>): T | undefined {
    const current = this.rows.get(id);
    if (!current) return undefined;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const updated = { ...current, ...defined, updatedAt: new Date() };
    this.rows.set(id, updated);
    return updated;
  }

  /** Throws the ConflictError the real store throws when another row holds `value` in `column`. */
  assertUnique<K extends keyof T>(column: K, value: T[K] | undefined, exceptId?: number): void {
    if (value === undefined) return;
    for (const row of this.rows.values()) {
      if (row[column] === value && row.id !== exceptId) {
        throw new ConflictError(
          `a ${this.noun} with ${String(column)} "${String(value)}" already exists`,
          { field: String(column) },
        );
      }
    }
  }
}
