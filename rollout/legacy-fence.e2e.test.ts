/** The legacy write fence refuses every writer but the sync, naming the owning service. */
import { randomBytes } from 'node:crypto';
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
import { failOnPgQueryOverlap } from '../test-support/pg-overlap-guard.ts';

failOnPgQueryOverlap();

let db: TestDatabase;
const PRODUCTS = { schema: 'public', table: 'products' };
const CUSTOMERS = { schema: 'public', table: 'customers' };

beforeAll(async () => {
  db = await createTestDatabase({ cluster: 'legacy', template: 'legacy' });
  await db
    .knex('products')
    .insert({ sku: 'FENCE-1', name: 'Fence post', description: '', price: '9.99', active: true });
});
afterAll(() => db.drop());

test('after the cut-over, a legacy write to an owned table is refused with the owning service named', async () => {
  await installFence(db.knex, 'catalog', [PRODUCTS]);
  expect(await fencedTables(db.knex, [PRODUCTS, CUSTOMERS])).toEqual([PRODUCTS]);

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

test("the fence's objects live in ficus's own schema, and a writer needs no grant there", async () => {
  const { rows } = await db.knex.raw<{ rows: { name: string }[] }>(
    `SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.proname LIKE '%fence%' UNION ALL
     SELECT c.oid::regclass::text FROM pg_class c WHERE c.relname LIKE '%fence%' AND c.relkind = 'r' ORDER BY 1`,
  );
  expect(rows.map((r) => r.name)).toEqual([
    'ficus_cdc.fence_leases',
    'ficus_cdc.fence_refuse_write()',
  ]);
  // the monolith's own role: it may write its tables, and has nothing on ficus_cdc
  const writer = `monolith_${randomBytes(4).toString('hex')}`;
  await db.knex.raw(`CREATE ROLE ${writer}`);
  await db.knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON products, customers TO ${writer}`);
  try {
    await db.knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL ROLE ${writer}`);
      await expect(trx.raw(`UPDATE products SET price = 1 WHERE sku = 'FENCE-1'`)).rejects.toThrow(
        /owned by service "catalog" since its write cut-over; UPDATE refused/,
      );
    });
    await db.knex.raw(`UPDATE ficus_cdc.fence_leases SET expires_at = now() - interval '1 s'`);
    await db.knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL ROLE ${writer}`);
      await trx.raw(`UPDATE products SET price = 1 WHERE sku = 'FENCE-1'`); // the lease lapsed
    });
  } finally {
    await installFence(db.knex, 'catalog', [PRODUCTS]);
    await db.knex.raw(`DROP OWNED BY ${writer}; DROP ROLE ${writer}`);
  }
});

test('the sync (marked by its transaction setting) still writes through the fence', async () => {
  await installFence(db.knex, 'catalog', [PRODUCTS]);
  await db.knex.transaction(async (trx) => {
    await trx.raw(`SET LOCAL ${SYNC_ORIGIN_SETTING} = 'sync'`);
    await trx('products').where({ sku: 'FENCE-1' }).update({ price: '2.50' });
  });
  const row = await db.knex('products').where({ sku: 'FENCE-1' }).first();
  expect(row.price).toBe('2.50');
});

test('a rollback removes the fence', async () => {
  await installFence(db.knex, 'catalog', [PRODUCTS]);
  await removeFence(db.knex, [PRODUCTS]);
  expect(await fencedTables(db.knex, [PRODUCTS])).toEqual([]);
  await db.knex('products').where({ sku: 'FENCE-1' }).update({ price: '3.00' });
});

test('a fence installed with a lease lets writes through once the lease lapses; a renewed or permanent one does not', async () => {
  await installFence(db.knex, 'catalog', [PRODUCTS], { leaseMs: 600 });
  const write = (price: string) => db.knex('products').where({ sku: 'FENCE-1' }).update({ price });
  await expect(write('4.00')).rejects.toThrow(/UPDATE refused/);
  await renewFenceLease(db.knex, 'catalog', 60_000);
  await sleep(800);
  await expect(write('4.00')).rejects.toThrow(/UPDATE refused/);

  await renewFenceLease(db.knex, 'catalog', 300);
  await sleep(500);
  await write('4.00'); // lapsed: the monolith owns its writes again

  await installFence(db.knex, 'catalog', [PRODUCTS], { leaseMs: 300 });
  await makeFencePermanent(db.knex, 'catalog');
  await renewFenceLease(db.knex, 'catalog', 300); // no lease to renew: stays permanent
  await sleep(500);
  await expect(write('5.00')).rejects.toThrow(/UPDATE refused/);
  await removeFence(db.knex, [PRODUCTS]);
});

test('a fence an earlier version installed in public is moved into ficus_cdc by the next install, and still fences', async () => {
  // what the previous version created, verbatim in shape
  await db.knex.raw(`
    CREATE TABLE public.ficus_fence_leases (service text PRIMARY KEY, expires_at timestamptz);
    CREATE FUNCTION public.ficus_fence_refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'old fence of %', TG_ARGV[0]; END $$;
    INSERT INTO public.ficus_fence_leases VALUES ('oldsvc', NULL);
    CREATE TRIGGER ficus_fence_rows BEFORE INSERT OR UPDATE OR DELETE ON public.customers
      FOR EACH ROW EXECUTE FUNCTION public.ficus_fence_refuse_write('oldsvc');
    CREATE TRIGGER ficus_fence_truncate BEFORE TRUNCATE ON public.customers
      FOR EACH STATEMENT EXECUTE FUNCTION public.ficus_fence_refuse_write('oldsvc');`);

  await installFence(db.knex, 'catalog', [PRODUCTS]);

  const { rows } = await db.knex.raw<{ rows: { fn: string | null; leases: string | null }[] }>(
    `SELECT to_regprocedure('public.ficus_fence_refuse_write()')::text AS fn, to_regclass('public.ficus_fence_leases')::text AS leases`,
  );
  expect(rows[0]).toEqual({ fn: null, leases: null });
  expect(await fencedTables(db.knex, [PRODUCTS, CUSTOMERS])).toEqual([CUSTOMERS, PRODUCTS]);
  await expect(
    db.knex('customers').insert({ name: 'Bo', email: 'bo@example.com', phone: '', address: '' }),
  ).rejects.toThrow(/customers is owned by service "oldsvc" since its write cut-over/);
  expect(await db.knex.withSchema('ficus_cdc').table('fence_leases').orderBy('service')).toEqual([
    { service: 'catalog', expires_at: null, suspended_until: null },
    { service: 'oldsvc', expires_at: null, suspended_until: null },
  ]);
  await removeFence(db.knex, [PRODUCTS, CUSTOMERS]);
});

describe('in a database without a public schema, with names that need quoting', () => {
  let bare: TestDatabase;
  const ORDER = { schema: 'Sales Ops', table: 'order' };
  beforeAll(async () => {
    bare = await createTestDatabase({ cluster: 'legacy', template: 'legacy' });
    await bare.knex.raw(`DROP SCHEMA public CASCADE`);
    await bare.knex.raw(
      `CREATE SCHEMA "Sales Ops"; CREATE TABLE "Sales Ops"."order" (id int PRIMARY KEY, "select" text)`,
    );
    await bare.knex.raw(`INSERT INTO "Sales Ops"."order" VALUES (1, 'x')`);
  });
  afterAll(() => bare.drop());

  test('the fence installs, refuses and comes off', async () => {
    await installFence(bare.knex, 'sales', [ORDER]);
    expect(await fencedTables(bare.knex, [ORDER])).toEqual([ORDER]);
    await expect(bare.knex.raw(`UPDATE "Sales Ops"."order" SET "select" = 'y'`)).rejects.toThrow(
      /Sales Ops\.order is owned by service "sales" since its write cut-over; UPDATE refused/,
    );
    await removeFence(bare.knex, [ORDER]);
    await bare.knex.raw(`UPDATE "Sales Ops"."order" SET "select" = 'y'`);
  });
});

describe('foreign keys from a table the monolith keeps into a fenced one', () => {
  const suffix = randomBytes(4).toString('hex');
  const schema = `fk_${suffix}`;
  const USERS = `"${schema}".users`;
  const SUBS = { schema, table: 'subscriptions' };
  const NOTES = { schema, table: 'notes' };
  const subs = () => db.knex.withSchema(schema).table('subscriptions').orderBy('id');
  const notes = () => db.knex.withSchema(schema).table('notes').orderBy('id');

  beforeAll(async () => {
    await db.knex.raw(`
      CREATE SCHEMA "${schema}";
      CREATE TABLE ${USERS} (id int PRIMARY KEY, name text);
      CREATE TABLE "${schema}".subscriptions (id int PRIMARY KEY, plan text,
        user_id int CONSTRAINT subscriptions_user_fk REFERENCES ${USERS} (id) ON DELETE CASCADE);
      CREATE TABLE "${schema}".notes (id int PRIMARY KEY, body text,
        user_id int CONSTRAINT notes_user_fk REFERENCES ${USERS} (id) ON DELETE SET NULL);
      INSERT INTO ${USERS} VALUES (1, 'ann'), (2, 'bo'), (3, 'cy');
      INSERT INTO "${schema}".subscriptions VALUES (10, 'gold', 1), (20, 'silver', 2), (21, 'bronze', 2), (30, 'tin', 3);
      INSERT INTO "${schema}".notes VALUES (100, 'hi', 2), (101, 'yo', 3);`);
  });
  afterAll(async () => {
    await db.knex.raw(`DROP SCHEMA "${schema}" CASCADE`);
  });

  test('unhandled: the monolith deleting a parent is refused by the fence', async () => {
    await installFence(db.knex, 'billing', [SUBS, NOTES]);
    await expect(db.knex.raw(`DELETE FROM ${USERS} WHERE id = 1`)).rejects.toThrow(
      /subscriptions is owned by service "billing" since its write cut-over; DELETE refused/,
    );
    await expect(db.knex.raw(`DELETE FROM ${USERS} WHERE id = 3`)).rejects.toThrow(
      /owned by service "billing" since its write cut-over; (DELETE|UPDATE) refused/,
    );
    expect(await db.knex.withSchema(schema).table('users').count()).toEqual([{ count: '3' }]);
  });

  test('handled: the cascade and the SET NULL go through; nothing else does', async () => {
    await installFence(db.knex, 'billing', [SUBS, NOTES], {
      letThrough: ['subscriptions_user_fk', 'notes_user_fk'],
    });
    // a direct write to a child row is still refused
    await expect(
      db.knex.raw(`DELETE FROM "${schema}".subscriptions WHERE id = 30`),
    ).rejects.toThrow(/DELETE refused/);
    await expect(
      db.knex.raw(`UPDATE "${schema}".notes SET user_id = NULL WHERE id = 101`),
    ).rejects.toThrow(/UPDATE refused/);
    await db.knex.raw(`DELETE FROM ${USERS} WHERE id = 2`);
    expect((await subs()).map((s) => s.id)).toEqual([10, 30]);
    expect(await notes()).toEqual([
      { id: 100, body: 'hi', user_id: null },
      { id: 101, body: 'yo', user_id: 3 },
    ]);
    // another trigger of the monolith writing the child from inside its own statement is refused
    await db.knex.raw(`
      CREATE FUNCTION "${schema}".sneak() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN DELETE FROM "${schema}".subscriptions WHERE id = 10; RETURN NEW; END $$;
      CREATE TRIGGER sneak AFTER UPDATE ON ${USERS} FOR EACH ROW EXECUTE FUNCTION "${schema}".sneak();`);
    await expect(db.knex.raw(`UPDATE ${USERS} SET name = 'ann2' WHERE id = 1`)).rejects.toThrow(
      /subscriptions is owned by service "billing" since its write cut-over; DELETE refused/,
    );
    await db.knex.raw(`DROP TRIGGER sneak ON ${USERS}`);
    // TRUNCATE ... CASCADE is not a row action: still refused
    await expect(db.knex.raw(`TRUNCATE ${USERS} CASCADE`)).rejects.toThrow(/TRUNCATE refused/);
    await removeFence(db.knex, [SUBS, NOTES]);
  });
});
