import fs from 'node:fs';
import YAML from 'yaml';
import { ConfigError } from '../lib/errors.ts';
import { SHOP_PLAN_FILE, parsePlan } from './load-plan.ts';
import { dottedPath } from './plan-schema.ts';

const shop = () => YAML.parse(fs.readFileSync(SHOP_PLAN_FILE, 'utf8'));

/** The error lines parsePlan gives for the shop plan after `change` edits it. */
function problemsAfter(change: (doc: ReturnType<typeof shop>) => void): string[] {
  const doc = shop();
  change(doc);
  try {
    parsePlan(YAML.stringify(doc), 'shop.plan.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n');
  }
  throw new Error('expected the plan to be rejected');
}

describe('parsePlan', () => {
  it('accepts the demo plan and normalises shorthands', () => {
    const plan = parsePlan(fs.readFileSync(SHOP_PLAN_FILE, 'utf8'), 'shop.plan.yaml');
    expect(plan.legacy).toEqual({ database: 'shop', schema: 'public' });
    const catalog = plan.services.find((s) => s.name === 'catalog')!;
    expect(catalog.owns[0].columns!.name).toEqual({ target: 'title' });
    expect(catalog.owns[0].columns!.price).toEqual({ target: 'price_cents', type: 'cents' });
    expect(plan.services.find((s) => s.name === 'orders')!.owns.map((t) => t.source)).toEqual([
      'orders',
      'order_items',
      'payments',
    ]);
  });

  it.each<[string, (doc: ReturnType<typeof shop>) => void, string]>([
    [
      'an unknown conversion type',
      (d) => (d.services.catalog.owns[0].columns.price.type = 'euros'),
      'shop.plan.yaml: services.catalog.owns[0].columns.price.type: must be one of cents, text, integer, bigint, numeric, boolean, date, jsonb, timestamp',
    ],
    [
      'a misspelt field',
      (d) => (d.services.catalog.replicate = []),
      'shop.plan.yaml: services.catalog.replicate: unknown field',
    ],
    [
      'a missing key',
      (d) => delete d.services.orders.owns[1].key,
      'shop.plan.yaml: services.orders.owns[1].key: required',
    ],
    [
      'an empty key',
      (d) => (d.services.orders.owns[1].key = []),
      'shop.plan.yaml: services.orders.owns[1].key: must NOT have fewer than 1 items',
    ],
    ['a wrong version', (d) => (d.version = 2), 'shop.plan.yaml: version: must be 1'],
    [
      'a column mapping of the wrong type',
      (d) => (d.services.catalog.owns[0].columns.sku = 7),
      'shop.plan.yaml: services.catalog.owns[0].columns.sku: must be string,object',
    ],
    [
      'a bad HTTP method',
      (d) => (d.services.catalog.routes[0].method = 'FETCH'),
      'shop.plan.yaml: services.catalog.routes[0].method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
    ],
    [
      'a target column mapped twice',
      (d) => (d.services.catalog.owns[0].columns.sku = 'title'),
      'shop.plan.yaml: services.catalog.owns[0].columns.name: target column "title" is mapped twice (also by services.catalog.owns[0].columns.sku)',
    ],
    [
      'a derived column clashing with a mapped one',
      (d) => (d.services.catalog.owns[0].derived.title = 'upper(name)'),
      'shop.plan.yaml: services.catalog.owns[0].derived.title: target column "title" is mapped twice (also by services.catalog.owns[0].columns.name)',
    ],
    [
      'a dropped key column',
      (d) => (d.services.catalog.replicates[0].drop = ['product_id', 'reserved']),
      'shop.plan.yaml: services.catalog.replicates[0].key[0]: key column "product_id" may not be dropped',
    ],
    [
      'a key column left out of columns',
      (d) => delete d.services.catalog.replicates[0].columns.product_id,
      'shop.plan.yaml: services.catalog.replicates[0].key[0]: key column "product_id" is not in columns',
    ],
    [
      'a table owned by two services',
      (d) => d.services.orders.owns.push({ source: 'products', target: 'products', key: ['id'] }),
      'shop.plan.yaml: services.orders.owns[3].source: legacy table "public.products" is already owned by services.catalog.owns[0]',
    ],
    [
      'a table owned twice, once through its sourceSchema',
      (d) =>
        d.services.orders.owns.push({
          source: 'products',
          sourceSchema: 'public',
          target: 'products',
          key: ['id'],
        }),
      'shop.plan.yaml: services.orders.owns[3].source: legacy table "public.products" is already owned by services.catalog.owns[0]',
    ],
    [
      'a service table filled twice, once through its targetSchema',
      (d) =>
        d.services.orders.replicates.push({
          source: 'customers',
          target: 'orders',
          targetSchema: 'public',
          key: ['id'],
        }),
      'shop.plan.yaml: services.orders.replicates[2].target: table "public.orders" is already filled by services.orders.owns[0]',
    ],
    [
      'an empty sourceSchema',
      (d) => (d.services.orders.owns[0].sourceSchema = ''),
      'shop.plan.yaml: services.orders.owns[0].sourceSchema: must NOT have fewer than 1 characters',
    ],
    [
      'a route claimed by two services',
      (d) => d.services.orders.routes.push({ method: 'GET', path: '/api/products' }),
      'shop.plan.yaml: services.orders.routes[3]: route GET /api/products is already claimed by services.catalog.routes',
    ],
    [
      'two routes that match the same paths, neither more specific',
      (d) => d.services.orders.routes.push({ method: 'GET', path: '/api/products/:sku/' }),
      'shop.plan.yaml: services.orders.routes[3]: route GET /api/products/:sku/ is ambiguous with GET /api/products/:id (services.catalog.routes[1]): both match the same paths and neither is more specific',
    ],
    [
      'two services sharing a database',
      (d) => (d.services.orders.database = 'catalog'),
      'shop.plan.yaml: services.orders.database: database "catalog" is already used by services.catalog',
    ],
    [
      'a redaction entry that is neither a JSON path nor a header',
      (d) => (d.services.catalog.compare.unredact = ['$..tokenCount', 'accessToken']),
      'shop.plan.yaml: services.catalog.compare.unredact[1]: must be a JSON path ($.a.b, $..token) or header:<name>',
    ],
    [
      'a route redacting what is not a path',
      (d) => (d.services.catalog.routes[0].compare = { redact: ['header:'] }),
      'shop.plan.yaml: services.catalog.routes[0].compare.redact[0]: must be a JSON path ($.a.b, $..token) or header:<name>',
    ],
    [
      'a service name that is not an identifier',
      (d) => (d.services['Bad-Name'] = { database: 'x' }),
      'shop.plan.yaml: services.Bad-Name: service names are lower case letters, digits and _',
    ],
    [
      'an unknown foreign-key handling',
      (d) => (d.services.orders.foreignKeys = { orders_customer_id_foreign: 'cascade' }),
      'shop.plan.yaml: services.orders.foreignKeys.orders_customer_id_foreign: must be one of cascade-from-monolith, refuse',
    ],
    [
      'a foreign key handed over by a service that owns no table',
      (d) => {
        d.services.catalog.owns = [];
        d.services.catalog.foreignKeys = { products_fk: 'refuse' };
      },
      'shop.plan.yaml: services.catalog.foreignKeys.products_fk: catalog owns no table, so no foreign key of its is fenced (remove the entry or add the table under owns)',
    ],
  ])('rejects %s, naming the file and the path', (_what, change, line) => {
    expect(problemsAfter(change)).toContain(line);
  });

  it('accepts one legacy table name in two schemas, owned by two services', () => {
    const doc = shop();
    doc.services.orders.owns.push({
      source: 'products',
      sourceSchema: 'lending',
      target: 'lent_products',
      targetSchema: 'lending',
      key: ['id'],
    });
    const plan = parsePlan(YAML.stringify(doc), 'shop.plan.yaml');
    const orders = plan.services.find((s) => s.name === 'orders')!;
    expect(orders.owns[3]).toMatchObject({ sourceSchema: 'lending', targetSchema: 'lending' });
  });

  it('accepts paths and headers to redact and to opt back in, per service and per route', () => {
    const doc = shop();
    doc.services.catalog.compare.redact = ['$..email', 'header:x-tenant'];
    doc.services.catalog.compare.unredact = ['$..tokenCount', 'header:x-api-key'];
    doc.services.catalog.routes[0].compare = { unredact: ['$.debug'] };
    const plan = parsePlan(YAML.stringify(doc), 'shop.plan.yaml');
    const catalog = plan.services.find((s) => s.name === 'catalog')!;
    expect(catalog.compare?.unredact).toEqual(['$..tokenCount', 'header:x-api-key']);
    expect(catalog.routes[0].compare).toEqual({ unredact: ['$.debug'] });
  });

  it('reads how each foreign key across the boundary is handled', () => {
    const doc = shop();
    doc.services.orders.foreignKeys = { order_items_order_id_foreign: 'cascade-from-monolith' };
    const orders = parsePlan(YAML.stringify(doc), 'shop.plan.yaml').services.find(
      (s) => s.name === 'orders',
    )!;
    expect(orders.foreignKeys).toEqual({ order_items_order_id_foreign: 'cascade-from-monolith' });
  });

  it('reports every problem at once', () => {
    const lines = problemsAfter((d) => {
      d.services.catalog.owns[0].columns.price.type = 'euros';
      d.services.orders.owns[0].extra = true;
    });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('shop.plan.yaml: services.orders.owns[0].extra: unknown field');
  });

  it('names the file when the YAML does not parse', () => {
    expect(() => parsePlan('version: 1\nlegacy: [', 'broken.plan.yaml')).toThrow(
      /^broken\.plan\.yaml: not valid YAML/,
    );
  });
});

describe('dottedPath', () => {
  it('turns JSON pointers into YAML-style paths', () => {
    expect(dottedPath('/services/catalog/owns/0/columns/a~1b')).toBe(
      'services.catalog.owns[0].columns.a/b',
    );
    expect(dottedPath('')).toBe('');
  });
});
