/** The legacy write fence refuses every writer but the sync, naming the owning service. */
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { SYNC_ORIGIN_SETTING } from '../cdc/sink/sync-origin.ts';
import {
  fencedTables,
  installFence,
  makeFencePermanent,
  removeFence,
  renewFenceLease,
} from './legacy-fence.ts';
import { sleep } from '../lib/wait.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ cluster: 'legacy', template: 'legacy' });
  await db
    .knex('products')
    .insert({ sku: 'FENCE-1', name: 'Fence post', description: '', price: '9.99', active: true });
});
afterAll(() => db.drop());

test('after the cut-over, a legacy write to an owned table is refused with the owning service named', async () => {
  await installFence(db.knex, 'catalog', ['products']);
  expect(await fencedTables(db.knex, ['products', 'customers'])).toEqual(['products']);

  await expect(
    db.knex('products').where({ sku: 'FENCE-1' }).update({ price: '1.00' }),
  ).rejects.toThrow(
    /products is owned by service "catalog" since its write cut-over; UPDATE refused/,
  );
  await expect(
    db
      .knex('products')
      .insert({ sku: 'FENCE-2', name: 'x', description: '', price: '1', active: true }),
  ).rejects.toThrow(/INSERT refused/);
  await expect(db.knex.raw('TRUNCATE products CASCADE')).rejects.toThrow(/TRUNCATE refused/);
  // tables the service does not own stay writable
  await db
    .knex('customers')
    .insert({ name: 'Ann', email: 'ann@example.com', phone: '', address: '' });
});

test('the sync (marked by its transaction setting) still writes through the fence', async () => {
  await installFence(db.knex, 'catalog', ['products']);
  await db.knex.transaction(async (trx) => {
    await trx.raw(`SET LOCAL ${SYNC_ORIGIN_SETTING} = 'sync'`);
    await trx('products').where({ sku: 'FENCE-1' }).update({ price: '2.50' });
  });
  const row = await db.knex('products').where({ sku: 'FENCE-1' }).first();
  expect(row.price).toBe('2.50');
});

test('a rollback removes the fence', async () => {
  await installFence(db.knex, 'catalog', ['products']);
  await removeFence(db.knex, ['products']);
  expect(await fencedTables(db.knex, ['products'])).toEqual([]);
  await db.knex('products').where({ sku: 'FENCE-1' }).update({ price: '3.00' });
});

test('a fence installed with a lease lets writes through once the lease lapses; a renewed or permanent one does not', async () => {
  await installFence(db.knex, 'catalog', ['products'], 'public', { leaseMs: 600 });
  const write = (price: string) => db.knex('products').where({ sku: 'FENCE-1' }).update({ price });
  await expect(write('4.00')).rejects.toThrow(/UPDATE refused/);
  await renewFenceLease(db.knex, 'catalog', 60_000);
  await sleep(800);
  await expect(write('4.00')).rejects.toThrow(/UPDATE refused/);

  await renewFenceLease(db.knex, 'catalog', 300);
  await sleep(500);
  await write('4.00'); // lapsed: the monolith owns its writes again

  await installFence(db.knex, 'catalog', ['products'], 'public', { leaseMs: 300 });
  await makeFencePermanent(db.knex, 'catalog');
  await renewFenceLease(db.knex, 'catalog', 300); // no lease to renew: stays permanent
  await sleep(500);
  await expect(write('5.00')).rejects.toThrow(/UPDATE refused/);
  await removeFence(db.knex, ['products']);
});
