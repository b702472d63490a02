/** What `ficus check` says about each foreign key across a service's boundary. */
import fs from 'node:fs';
import YAML from 'yaml';
import { SHOP_PLAN_FILE, parsePlan } from '../../plan/load-plan.ts';
import type { ForeignKeyHandling } from '../../plan/plan-types.ts';
import { foreignKeyFinding, type LegacyForeignKey } from './foreign-key-checks.ts';

/** The shop plan with orders owning `subscriptions` and replicating `customers`. */
function plan(foreignKeys?: Record<string, ForeignKeyHandling>) {
  const doc = YAML.parse(fs.readFileSync(SHOP_PLAN_FILE, 'utf8'));
  doc.services.orders.owns.push({
    source: 'subscriptions',
    target: 'subscriptions',
    key: ['id'],
    columns: { id: 'id', customer_id: 'buyer_id' },
  });
  if (foreignKeys) doc.services.orders.foreignKeys = foreignKeys;
  const parsed = parsePlan(YAML.stringify(doc), 'shop.plan.yaml');
  return { plan: parsed, orders: parsed.services.find((s) => s.name === 'orders')! };
}

const cascade: LegacyForeignKey = {
  name: 'subscriptions_customer_fk',
  child: { schema: 'public', table: 'subscriptions', columns: ['customer_id'] },
  parent: { schema: 'public', table: 'customers', columns: ['id'] },
  onDelete: 'c',
  onUpdate: 'a',
};

test('a cascade from a table the monolith keeps into an owned one fails until the plan handles it', () => {
  const { plan: p, orders } = plan();
  const finding = foreignKeyFinding(p, orders, cascade, []);
  expect(finding.ok).toBe(false);
  expect(finding.detail).toBe(
    "deleting a row of public.customers (kept by the monolith) ON DELETE CASCADE into public.subscriptions, owned by service orders: after the cut-over the fence refuses it and the monolith's delete fails (a TRUNCATE ... CASCADE too, whatever the plan says)",
  );
  expect(finding.fix).toMatch(
    /services\.orders\.foreignKeys\.subscriptions_customer_fk: cascade-from-monolith/,
  );
});

test('refuse passes, saying the monolith must delete through the service', () => {
  const { plan: p, orders } = plan({ subscriptions_customer_fk: 'refuse' });
  const finding = foreignKeyFinding(p, orders, cascade, []);
  expect(finding).toMatchObject({ ok: true });
  expect(finding.detail).toMatch(
    /the fence refuses it .*: refuse\), so the monolith must have orders delete the rows first/,
  );
});

test('cascade-from-monolith wants the same key in the service DB on its copy of the parent', () => {
  const { plan: p, orders } = plan({ subscriptions_customer_fk: 'cascade-from-monolith' });
  const missing = foreignKeyFinding(p, orders, cascade, []);
  expect(missing.ok).toBe(false);
  expect(missing.fix).toBe(
    'in orders\'s database: ALTER TABLE "public"."subscriptions" ADD FOREIGN KEY ("buyer_id") REFERENCES "public"."customer_directory" ("customer_id") ON DELETE CASCADE',
  );
  const other = foreignKeyFinding(p, orders, cascade, [
    {
      child: { schema: 'public', table: 'subscriptions' },
      parent: { schema: 'public', table: 'customer_directory' },
      onDelete: 'a',
    },
  ]);
  expect(other.detail).toMatch(/ON DELETE NO ACTION, the legacy key ON DELETE CASCADE/);
  const same = foreignKeyFinding(p, orders, cascade, [
    {
      child: { schema: 'public', table: 'subscriptions' },
      parent: { schema: 'public', table: 'customer_directory' },
      onDelete: 'c',
    },
  ]);
  expect(same.ok).toBe(true);
});

test('SET DEFAULT cannot be let through', () => {
  const { plan: p, orders } = plan({ subscriptions_customer_fk: 'cascade-from-monolith' });
  const finding = foreignKeyFinding(p, orders, { ...cascade, onDelete: 'd' }, []);
  expect(finding).toMatchObject({ ok: false });
  expect(finding.detail).toMatch(/not SET DEFAULT/);
});

test('a key that writes nothing, and a monolith table referencing an owned one, pass with what happens', () => {
  const { plan: p, orders } = plan();
  expect(foreignKeyFinding(p, orders, { ...cascade, onDelete: 'a' })).toMatchObject({ ok: true });
  const intoOwned = foreignKeyFinding(p, orders, {
    name: 'reviews_order_fk',
    child: { schema: 'public', table: 'reviews', columns: ['order_id'] },
    parent: { schema: 'public', table: 'orders', columns: ['id'] },
    onDelete: 'c',
    onUpdate: 'a',
  });
  expect(intoOwned.ok).toBe(true);
  expect(intoOwned.detail).toMatch(/applies as a replica, so ON DELETE CASCADE does not run there/);
});
