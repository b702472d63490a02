/**
 * Runs work against a set of stores inside one database transaction. Services receive a
 * `Transactional` and never see knex; unit tests pass `immediate(fakeStores)` instead.
 */
import type { Knex } from 'knex';

export type Transactional<Stores> = <T>(work: (stores: Stores) => Promise<T>) => Promise<T>;

/** Stores bound to a knex transaction, committed when `work` resolves, rolled back when it throws. */
export function inTransaction<Stores>(
  db: Knex,
  makeStores: (trx: Knex) => Stores,
): Transactional<Stores> {
  return (work) => db.transaction((trx) => work(makeStores(trx)));
}

/** No transaction: for fakes in unit tests. */
export function immediate<Stores>(stores: Stores): Transactional<Stores> {
  return (work) => work(stores);
}
