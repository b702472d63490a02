import { parsePlan } from '../../plan/load-plan.ts';
import { commentedEntries, fillInService } from '../../test-support/fill-in-plan.ts';
import type { CatalogColumn, CatalogTable, LegacyCatalog } from './legacy-catalog.ts';
import { chooseLegacySchema, renderPlanSkeleton } from './plan-skeleton.ts';

const col = (name: string, type: string, extra: Partial<CatalogColumn> = {}): CatalogColumn => ({
  name,
  type,
  notNull: false,
  ...extra,
});
const pk = (index: string, ...columns: string[]) => ({
  columns,
  primary: true,
  index,
  notNull: true,
});
const table = (schema: string, name: string, extra: Partial<CatalogTable>): CatalogTable => ({
  schema,
  table: name,
  replicaIdentity: 'default',
  columns: [],
  keys: [],
  ...extra,
});

/** A monolith unlike the shop: uuid, composite and unique-only keys, a join table, two schemas. */
const catalog: LegacyCatalog = {
  database: 'app',
  tables: [
    table('public', 'customers', {
      rows: 1234,
      columns: [
        col('id', 'uuid', { notNull: true, default: 'gen_random_uuid()' }),
        col('email', 'citext', {
          special: { kind: 'extension', name: 'citext', extension: 'citext' },
        }),
        col('mood', 'mood', { special: { kind: 'enum', name: 'mood', labels: ['happy', 'sad'] } }),
        col('order', 'integer', { quoted: true }),
      ],
      keys: [
        pk('customers_pkey', 'id'),
        { columns: ['email'], primary: false, index: 'customers_email_key', notNull: true },
      ],
    }),
    table('public', 'products', {
      rows: 0,
      columns: [
        col('sku', 'text', { notNull: true }),
        col('region', 'character(2)', { notNull: true }),
        col('price', 'cents', { special: { kind: 'domain', name: 'cents', base: 'bigint' } }),
      ],
      keys: [pk('products_pkey', 'sku', 'region')],
    }),
    table('public', 'tags', {
      rows: 40,
      columns: [
        col('id', 'integer', {
          notNull: true,
          identity: 'by default',
          sequence: 'public.tags_id_seq',
        }),
      ],
      keys: [pk('tags_pkey', 'id')],
    }),
    table('public', 'product_tags', {
      columns: [col('sku', 'text'), col('region', 'character(2)'), col('tag_id', 'integer')],
      keys: [pk('product_tags_pkey', 'sku', 'region', 'tag_id')],
    }),
    table('public', 'audit_log', { columns: [col('at', 'timestamptz'), col('message', 'text')] }),
    table('public', 'codes', {
      columns: [col('code', 'text', { notNull: true })],
      keys: [{ columns: ['code'], primary: false, index: 'codes_code_idx', notNull: true }],
    }),
    table('billing', 'invoices', {
      rows: 2_500_000,
      replicaIdentity: 'nothing',
      columns: [
        col('id', 'bigint', { notNull: true, sequence: 'billing.invoices_id_seq' }),
        col('total', 'numeric'),
        col('full_name', 'text', { generated: true, default: "'x'::text" }),
      ],
      keys: [pk('invoices_pkey', 'id')],
    }),
  ],
  foreignKeys: [
    {
      name: 'product_tags_tag_id_fkey',
      from: { schema: 'public', table: 'product_tags', columns: ['tag_id'] },
      to: { schema: 'public', table: 'tags', columns: ['id'] },
      onDelete: 'cascade',
      onUpdate: 'no action',
    },
    {
      name: 'product_tags_sku_region_fkey',
      from: { schema: 'public', table: 'product_tags', columns: ['sku', 'region'] },
      to: { schema: 'public', table: 'products', columns: ['sku', 'region'] },
      onDelete: 'no action',
      onUpdate: 'no action',
    },
    {
      name: 'invoices_customer_id_fkey',
      from: { schema: 'billing', table: 'invoices', columns: ['customer_id'] },
      to: { schema: 'public', table: 'customers', columns: ['id'] },
      onDelete: 'cascade',
      onUpdate: 'no action',
    },
  ],
  skipped: ['public.knex_migrations (knex’s migration bookkeeping)'],
};

const text = renderPlanSkeleton({ catalog, from: 'postgres://ficus@db:5432/app' });

/** The comment block of one table: its notes and its entry. */
function block(name: string): string {
  const start = text.indexOf(`\n# ${name}: `);
  expect(start).toBeGreaterThan(-1);
  const end = text.indexOf('\n\n', start + 1);
  return text.slice(start + 1, end < 0 ? undefined : end);
}

describe('ficus init --from: the plan skeleton', () => {
  it('is a valid plan as written: the legacy database and schema, no service', () => {
    const plan = parsePlan(text, 'ficus.plan.yaml');
    expect(plan.legacy).toEqual({ database: 'app', schema: 'public' });
    expect(plan.services).toEqual([]);
    expect(text).toMatch(/^# Written by `ficus init --from postgres:\/\/ficus@db:5432\/app`/m);
  });

  it('lists every table once, commented, with an entry a user can move', () => {
    const entries = commentedEntries(text);
    expect([...entries.keys()].sort()).toEqual(
      [
        'audit_log',
        'billing.invoices',
        'codes',
        'customers',
        'product_tags',
        'products',
        'tags',
      ].sort(),
    );
    // outside legacy.schema: its entry names its schema
    expect(entries.get('billing.invoices')).toEqual({
      source: 'invoices',
      sourceSchema: 'billing',
      target: 'invoices',
      key: ['id'],
    });
    expect(block('billing.invoices')).toMatch(
      /^# {7}- \{ source: invoices, sourceSchema: billing, target: invoices, key: \[ id \] \}$/m,
    );
    expect(entries.get('product_tags')!.key).toEqual(['sku', 'region', 'tag_id']);
    expect(text).toContain('Left out: public.knex_migrations');
  });

  it("comments each table's size, key, the key's origin and its foreign keys both ways", () => {
    expect(block('public.customers')).toMatch(/~1,234 rows/);
    expect(block('public.customers')).toMatch(
      /key: id \(primary key\): id uuid, default gen_random_uuid\(\)/,
    );
    expect(block('public.customers')).toMatch(/unique: \(email\)/);
    expect(block('public.customers')).toMatch(
      /referenced by: billing\.invoices \(customer_id\) ON DELETE CASCADE/,
    );
    expect(block('public.tags')).toMatch(
      /identity \(GENERATED BY DEFAULT\), sequence public\.tags_id_seq/,
    );
    expect(block('public.product_tags')).toMatch(
      /references: tag_id -> public\.tags \(id\) ON DELETE CASCADE; sku, region -> public\.products \(sku,\s+#?\s*region\)/,
    );
    expect(block('public.product_tags')).toMatch(/rows unknown \(never analyzed/);
    expect(block('billing.invoices')).toMatch(/~2,500,000 rows/);
    expect(block('billing.invoices')).toMatch(/from the sequence billing\.invoices_id_seq/);
  });

  it('names what needs attention, with the fix', () => {
    const audit = block('public.audit_log');
    expect(audit).toMatch(/no primary key and no unique key/);
    expect(audit).toMatch(/ALTER TABLE "public"\."audit_log" ADD PRIMARY KEY/);
    expect(audit).toMatch(/- \{ source: audit_log, target: audit_log, key: \[ FILL-IN \] \}/);
    expect(block('public.codes')).toMatch(/ADD PRIMARY KEY USING INDEX "codes_code_idx"/);
    // an index a UNIQUE constraint owns cannot become the primary key: a new one is added
    const constrained = renderPlanSkeleton({
      catalog: {
        ...catalog,
        tables: [
          table('public', 'codes', {
            keys: [
              {
                columns: ['code'],
                primary: false,
                index: 'codes_code_key',
                notNull: true,
                constraint: 'codes_code_key',
              },
            ],
          }),
        ],
      },
    });
    expect(constrained).toMatch(/ALTER TABLE "public"\."codes" ADD PRIMARY KEY \("code"\)/);
    expect(commentedEntries(text).get('codes')!.key).toEqual(['code']);
    const customers = block('public.customers');
    expect(customers).toMatch(/mood mood: an enum \('happy', 'sad'\)/);
    expect(customers).toMatch(
      /email citext: a type of the extension citext: CREATE EXTENSION citext/,
    );
    expect(customers).toMatch(/"order": a name SQL must quote/);
    expect(block('public.products')).toMatch(/price cents: a domain over bigint/);
    expect(block('billing.invoices')).toMatch(/REPLICA IDENTITY NOTHING/);
    expect(block('billing.invoices')).toMatch(/full_name: a generated column/);
    expect(block('public.tags')).not.toMatch(/attention/);
  });

  it('becomes a valid plan with the service a user fills in from the entries', () => {
    const filled = fillInService(text, {
      name: 'billing',
      database: 'billing',
      owns: ['customers', 'billing.invoices', 'product_tags'],
      replicates: ['tags'],
    });
    const [service] = parsePlan(filled, 'ficus.plan.yaml').services;
    expect(service.owns.map((t) => [t.sourceSchema, t.source, t.target, t.key])).toEqual([
      [undefined, 'customers', 'customers', ['id']],
      ['billing', 'invoices', 'invoices', ['id']],
      [undefined, 'product_tags', 'product_tags', ['sku', 'region', 'tag_id']],
    ]);
    expect(service.replicates.map((t) => t.source)).toEqual(['tags']);
    expect(filled).toContain('# public.audit_log: ');
  });

  it('without --from, the placeholders validate, and so does the example once uncommented', () => {
    const plain = renderPlanSkeleton();
    expect(parsePlan(plain, 'ficus.plan.yaml').services).toEqual([]);
    const [head, rest] = plain.split(/^services: \{\}$/m);
    const first = parsePlan(head + rest.replace(/^# /gm, ''), 'ficus.plan.yaml').services[0];
    expect(first.owns.map((t) => t.source)).toEqual(['customers']);
  });

  it('names bare the tables of the schema most of them are in (public on a tie)', () => {
    const of = (...schemas: string[]) => schemas.map((s, i) => table(s, `t${i}`, {}));
    expect(chooseLegacySchema(of('sales', 'sales', 'public'))).toBe('sales');
    expect(chooseLegacySchema(of('sales', 'public'))).toBe('public');
    expect(chooseLegacySchema([])).toBe('public');
    const sales = renderPlanSkeleton({
      catalog: { ...catalog, tables: of('sales', 'sales', 'public') },
    });
    expect(parsePlan(sales, 'p.yaml').legacy.schema).toBe('sales');
    expect([...commentedEntries(sales).keys()]).toEqual(['t0', 't1', 'public.t2']);
  });
});
