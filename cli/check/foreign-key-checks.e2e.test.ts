/** `ficus check`'s foreign-key findings read from a real legacy catalog and a real service DB. */
import fs from 'node:fs';
import pg from 'pg';
import YAML from 'yaml';
import { SHOP_PLAN_FILE, parsePlan } from '../../plan/load-plan.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.ts';
import { foreignKeyChecks } from './foreign-key-checks.ts';

let legacy: TestDatabase;
let service: TestDatabase;
const clients: pg.Client[] = [];
const connect = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
};

beforeAll(async () => {
  [legacy, service] = await Promise.all([
    createTestDatabase({ cluster: 'legacy', template: 'legacy' }),
    createTestDatabase({ cluster: 'services', template: 'orders' }),
  ]);
  await legacy.knex.raw(`CREATE TABLE subscriptions (id int PRIMARY KEY,
    customer_id bigint CONSTRAINT subscriptions_customer_fk REFERENCES customers (id) ON DELETE CASCADE)`);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()));
  await Promise.all([legacy?.drop(), service?.drop()]);
});

function ordersPlan(foreignKeys?: Record<string, string>) {
  const doc = YAML.parse(fs.readFileSync(SHOP_PLAN_FILE, 'utf8'));
  doc.services.orders.owns.push({ source: 'subscriptions', target: 'subscriptions', key: ['id'] });
  if (foreignKeys) doc.services.orders.foreignKeys = foreignKeys;
  const plan = parsePlan(YAML.stringify(doc), 'shop.plan.yaml');
  return { plan, orders: plan.services.find((s) => s.name === 'orders')! };
}

test('every key across the boundary is listed; the unhandled cascade fails; a plan entry naming no key fails', async () => {
  const [legacyDb, serviceDb] = [await connect(legacy.url), await connect(service.url)];
  const { plan, orders } = ordersPlan({ no_such_fk: 'refuse' });
  const results = await foreignKeyChecks(legacyDb, plan, orders, serviceDb);
  const failing = results.filter((r) => !r.ok).map((r) => r.name);
  expect(failing).toEqual([
    "foreign key subscriptions_customer_fk (public.subscriptions -> public.customers) across orders's boundary",
    'services.orders.foreignKeys.no_such_fk names a foreign key',
  ]);
  // the shop's own keys (orders -> customers, order_items -> products) write nothing: listed, passing
  expect(results.filter((r) => r.ok).map((r) => r.name.split(' ')[2])).toEqual(
    expect.arrayContaining(['order_items_product_id_foreign', 'orders_customer_id_foreign']),
  );
});

test('cascade-from-monolith passes once the service DB has the same key on its copy of the parent', async () => {
  const [legacyDb, serviceDb] = [await connect(legacy.url), await connect(service.url)];
  const { plan, orders } = ordersPlan({ subscriptions_customer_fk: 'cascade-from-monolith' });
  const finding = async () =>
    (await foreignKeyChecks(legacyDb, plan, orders, serviceDb)).find((r) =>
      r.name.includes('subscriptions_customer_fk'),
    )!;
  const before = await finding();
  expect(before.ok).toBe(false);
  await service.knex.raw(`CREATE TABLE subscriptions (id int PRIMARY KEY, customer_id bigint)`);
  await service.knex.raw(before.fix!.replace(/^in orders's database: /, ''));
  expect(await finding()).toMatchObject({ ok: true });
});
