import { ConfigError } from '../lib/errors.ts';
import {
  compileTableMapping,
  renderMappedSelect,
  renderStagedDelete,
  renderStagedUpsert,
} from './mapping.ts';
import type { TableMapping } from './plan-types.ts';
import { renderStagedPartialUpdate } from './partial-update.ts';

const products = [
  { name: 'id', type: 'bigint' },
  { name: 'sku', type: 'text' },
  { name: 'name', type: 'text' },
  { name: 'price', type: 'numeric(12,2)' },
  { name: 'active', type: 'boolean' },
  { name: 'created_at', type: 'timestamp with time zone' },
];

const catalogProducts: TableMapping = {
  source: 'products',
  target: 'products',
  key: ['id'],
  columns: {
    id: { target: 'id' },
    sku: { target: 'sku' },
    name: { target: 'title' },
    price: { target: 'price_cents', type: 'cents' },
    created_at: { target: 'created_at', type: 'timestamp' },
  },
  derived: { search_text: "lower(name || ' ' || sku)" },
  drop: ['active'],
};

describe('compileTableMapping', () => {
  it('renames, converts and derives, with inverse expressions for what can be recovered', () => {
    const c = compileTableMapping(catalogProducts, products);
    expect(c.targetColumns.map((t) => [t.name, t.sql, t.type])).toEqual([
      ['id', 'src."id"', 'bigint'],
      ['sku', 'src."sku"', 'text'],
      ['title', 'src."name"', 'text'],
      ['price_cents', 'round(src."price" * 100)::bigint', 'bigint'],
      [
        'created_at',
        `date_trunc('milliseconds', src."created_at"::timestamptz)`,
        'timestamp with time zone',
      ],
      ['search_text', "(lower(name || ' ' || sku))", undefined],
    ]);
    expect(c.inverseColumns).toContainEqual({
      name: 'price',
      sql: '(tgt."price_cents"::numeric / 100)::numeric(12,2)',
      type: 'numeric(12,2)',
      portableSql: '(tgt."price_cents"::numeric / 100)::numeric(12,2)',
    });
    expect(c.inverseColumns).toContainEqual({
      name: 'name',
      sql: 'tgt."title"',
      type: 'text',
      portableSql: 'tgt."title"',
    });
    expect(c.notInvertible).toEqual(['search_text']);
    expect(c.sourceKey).toEqual(['id']);
    expect(c.targetKey).toEqual(['id']);
    expect(c.dropped).toEqual(['active']);
    expect(c.unmapped).toEqual([]);
  });

  it('maps every source column to itself when columns are omitted, minus drops', () => {
    const c = compileTableMapping(
      { source: 'products', target: 'p', key: ['id'], drop: ['price'] },
      products,
    );
    expect(c.targetColumns.map((t) => t.name)).toEqual([
      'id',
      'sku',
      'name',
      'active',
      'created_at',
    ]);
    expect(c.targetColumns.every((t) => t.sql === `src."${t.sourceColumn}"`)).toBe(true);
  });

  it('reports source columns left out of an explicit column list', () => {
    const c = compileTableMapping(
      { source: 'products', target: 'p', key: ['id'], columns: { id: { target: 'pid' } } },
      products,
    );
    expect(c.targetKey).toEqual(['pid']);
    expect(c.unmapped).toEqual(['sku', 'name', 'price', 'active', 'created_at']);
  });

  it('quotes identifiers that need it', () => {
    const c = compileTableMapping(
      {
        source: 'order',
        target: 'Weird"Name',
        key: ['user'],
        columns: { user: { target: 'a"b' } },
      },
      [{ name: 'user', type: 'integer' }],
    );
    expect(renderStagedUpsert(c, 'forward')).toContain(
      'INSERT INTO "public"."Weird""Name" ("a""b")',
    );
    expect(renderMappedSelect(c)).toBe('SELECT src."user" AS "a""b" FROM "public"."order" AS src');
  });

  it.each([
    [
      { columns: { id: { target: 'id' }, sku: { target: 'id' } } },
      'target column "id" is mapped twice',
    ],
    [{ derived: { sku: 'upper(sku)' } }, 'target column "sku" is mapped twice'],
    [{ drop: ['id'] }, 'key column "id" is not carried over'],
    [{ columns: { sku: { target: 'sku' } } }, 'key column "id" is not carried over'],
    [
      { columns: { id: { target: 'id' }, price: { target: 'p', type: 'euros' } } },
      'unknown conversion "euros"',
    ],
    [
      { columns: { id: { target: 'id' }, nope: { target: 'x' } } },
      'mapped column "nope" is not a column of products',
    ],
    [{ key: ['nope'] }, 'key column "nope" is not a column of products'],
    [
      { columns: { id: { target: 'id' }, sku: { target: 'sku' } }, drop: ['sku'] },
      'column "sku" is both mapped and dropped',
    ],
  ] as [Partial<TableMapping>, string][])('rejects %j', (patch, message) => {
    const table = { source: 'products', target: 'products', key: ['id'], ...patch };
    expect(() => compileTableMapping(table, products)).toThrow(ConfigError);
    expect(() => compileTableMapping(table, products)).toThrow(message);
  });

  it('rejects a source type that could smuggle SQL', () => {
    expect(() =>
      compileTableMapping({ source: 't', target: 't', key: ['id'] }, [
        { name: 'id', type: 'int); drop table x; --' },
      ]),
    ).toThrow('not a valid SQL type name');
  });

  it('takes described target types over predicted ones', () => {
    const c = compileTableMapping(catalogProducts, products, {
      target: [
        { name: 'price_cents', type: 'integer' },
        { name: 'search_text', type: 'text' },
      ],
    });
    expect(c.targetColumns.find((t) => t.name === 'price_cents')!.type).toBe('integer');
    expect(c.targetColumns.find((t) => t.name === 'search_text')!.type).toBe('text');
  });
});

describe('rendered SQL', () => {
  const c = compileTableMapping(catalogProducts, products, { targetSchema: 'svc' });

  it('forward upsert stages source rows and writes target expressions', () => {
    expect(renderStagedUpsert(c, 'forward')).toBe(
      'INSERT INTO "svc"."products" ("id", "sku", "title", "price_cents", "created_at", "search_text") ' +
        `OVERRIDING SYSTEM VALUE SELECT src."id", src."sku", src."name", round(src."price" * 100)::bigint, date_trunc('milliseconds', src."created_at"::timestamptz), (lower(name || ' ' || sku)) ` +
        'FROM json_to_recordset($1::json) AS src("id" bigint, "sku" text, "name" text, "price" numeric(12,2), "active" boolean, "created_at" timestamp with time zone) ' +
        'ON CONFLICT ("id") DO UPDATE SET "sku" = EXCLUDED."sku", "title" = EXCLUDED."title", "price_cents" = EXCLUDED."price_cents", ' +
        '"created_at" = EXCLUDED."created_at", "search_text" = EXCLUDED."search_text"',
    );
  });

  it('reverse upsert stages target rows, skips derived columns and writes the legacy table', () => {
    const sql = renderStagedUpsert(c, 'reverse', '$2');
    expect(sql).toContain(
      'INSERT INTO "public"."products" ("id", "sku", "name", "price", "created_at") ',
    );
    expect(sql).toContain('(tgt."price_cents"::numeric / 100)::numeric(12,2)');
    expect(sql).toContain(
      'json_to_recordset($2::json) AS tgt("id" bigint, "sku" text, "title" text, "price_cents" bigint, "created_at" timestamp with time zone)',
    );
    expect(sql).not.toContain('search_text');
    expect(sql).toMatch(/ON CONFLICT \("id"\) DO UPDATE SET "sku" = EXCLUDED."sku"/);
  });

  it('deletes by the mapped key in either direction', () => {
    expect(renderStagedDelete(c, 'forward')).toBe(
      'DELETE FROM "svc"."products" AS t USING (SELECT DISTINCT src."id" AS "id" FROM json_to_recordset($1::json) AS src("id" bigint)) AS k WHERE t."id" = k."id"',
    );
    expect(renderStagedDelete(c, 'reverse')).toBe(
      'DELETE FROM "public"."products" AS t USING (SELECT DISTINCT tgt."id" AS "id" FROM json_to_recordset($1::json) AS tgt("id" bigint)) AS k WHERE t."id" = k."id"',
    );
  });

  it('a table whose columns are all key does nothing on conflict', () => {
    const k = compileTableMapping({ source: 't', target: 't', key: ['a', 'b'] }, [
      { name: 'a', type: 'integer' },
      { name: 'b', type: 'text' },
    ]);
    expect(renderStagedUpsert(k, 'forward')).toMatch(/ON CONFLICT \("a", "b"\) DO NOTHING$/);
    expect(renderStagedDelete(k, 'forward')).toContain('WHERE t."a" = k."a" AND t."b" = k."b"');
  });
});

describe('schemas and names that need quoting', () => {
  // a legacy table in a schema with a space, a mixed-case name, columns named by reserved words
  const columns = [
    { name: 'order', type: 'bigint' },
    { name: 'user', type: 'text' },
    { name: 'Select"Me', type: 'integer' },
  ];
  const mapping: TableMapping = {
    source: 'Invoices',
    target: 'invoice lines',
    key: ['order'],
    columns: {
      order: { target: 'order' },
      user: { target: 'group' },
      'Select"Me': { target: 'x' },
    },
  };
  const c = compileTableMapping(mapping, columns, {
    sourceSchema: 'Billing Data',
    targetSchema: 'Ledger',
  });

  it('names both schemas, every identifier quoted', () => {
    expect(c.source).toEqual({ schema: 'Billing Data', table: 'Invoices' });
    expect(c.target).toEqual({ schema: 'Ledger', table: 'invoice lines' });
    expect(renderStagedUpsert(c, 'forward')).toBe(
      'INSERT INTO "Ledger"."invoice lines" ("order", "group", "x") OVERRIDING SYSTEM VALUE ' +
        'SELECT src."order", src."user", src."Select""Me" ' +
        'FROM json_to_recordset($1::json) AS src("order" bigint, "user" text, "Select""Me" integer) ' +
        'ON CONFLICT ("order") DO UPDATE SET "group" = EXCLUDED."group", "x" = EXCLUDED."x"',
    );
    expect(renderStagedUpsert(c, 'reverse')).toMatch(
      /^INSERT INTO "Billing Data"."Invoices" \("order", "user", "Select""Me"\) OVERRIDING SYSTEM VALUE SELECT tgt."order", tgt."group", tgt."x" /,
    );
    expect(renderStagedDelete(c, 'reverse')).toBe(
      'DELETE FROM "Billing Data"."Invoices" AS t USING (SELECT DISTINCT tgt."order" AS "order" ' +
        'FROM json_to_recordset($1::json) AS tgt("order" bigint)) AS k WHERE t."order" = k."order"',
    );
    expect(renderMappedSelect(c)).toBe(
      'SELECT src."order" AS "order", src."user" AS "group", src."Select""Me" AS "x" FROM "Billing Data"."Invoices" AS src',
    );
  });
});

describe('types the other database may lack (enums, domains, extension types)', () => {
  // legacy: mood is an enum, email a domain over text, legacy_flag an enum the plan drops
  const legacy = [
    { name: 'id', type: 'bigint' },
    { name: 'mood', type: 'mood', portable: 'text' },
    { name: 'moods', type: 'mood[]', portable: 'text[]' },
    { name: 'email', type: 'email', portable: 'text' },
    { name: 'label', type: 'text' },
    { name: 'legacy_flag', type: 'legacy_flag', portable: 'text' },
  ];
  const mapping: TableMapping = {
    source: 'people',
    target: 'people',
    key: ['id'],
    columns: {
      id: { target: 'id' },
      mood: { target: 'mood' },
      moods: { target: 'moods' },
      email: { target: 'email' },
      label: { target: 'label', type: 'text' },
    },
  };
  // service: mood kept as its own enum (svc_mood), moods as text[], email as text
  const c = compileTableMapping(mapping, legacy, {
    target: [
      { name: 'id', type: 'bigint' },
      { name: 'mood', type: 'svc_mood', portable: 'text' },
      { name: 'moods', type: 'text[]' },
      { name: 'email', type: 'text' },
      { name: 'label', type: 'text' },
    ],
  });

  it('forward: stages every source column by a built-in type and casts only into the service type', () => {
    const sql = renderStagedUpsert(c, 'forward');
    expect(sql).toContain(
      'AS src("id" bigint, "mood" text, "moods" text[], "email" text, "label" text, "legacy_flag" text)',
    );
    expect(sql).toContain(
      'SELECT src."id", (src."mood")::svc_mood, src."moods", src."email", src."label"::text FROM',
    );
    expect(sql).not.toMatch(/legacy_flag [^t]|::mood|::email/);
  });

  it('reverse: stages the service row by built-in types and casts back to the legacy types by name', () => {
    const sql = renderStagedUpsert(c, 'reverse');
    expect(sql).toContain(
      'AS tgt("id" bigint, "mood" text, "moods" text[], "email" text, "label" text)',
    );
    expect(sql).toContain(
      'SELECT tgt."id", tgt."mood"::mood, tgt."moods"::mood[], tgt."email"::email, tgt."label"::text FROM',
    );
  });

  it('an update that left values out recovers them in the service DB without legacy types', () => {
    const sql = renderStagedPartialUpdate(c, 'forward', ['mood', 'email']);
    expect(sql).toContain('(tgt."mood")::text AS "mood"');
    expect(sql).toContain('(tgt."email")::text AS "email"');
    expect(sql).not.toMatch(/::mood\b|::email\b/);
  });
});

describe('json and jsonb', () => {
  const c = compileTableMapping({ source: 'd', target: 'd', key: ['id'] }, [
    { name: 'id', type: 'integer' },
    { name: 'doc', type: 'jsonb' },
    { name: 'docs', type: 'json[]' },
  ]);

  it('are staged as their text and cast right after, so that the document null stays a document', () => {
    expect(renderStagedUpsert(c, 'forward')).toContain(
      'FROM (SELECT src."id", src."doc"::jsonb AS "doc", src."docs"::json[] AS "docs" ' +
        'FROM json_to_recordset($1::json) AS src("id" integer, "doc" text, "docs" text[])) AS src ',
    );
    expect(renderStagedPartialUpdate(c, 'reverse', ['doc'])).toContain(
      'WITH staged AS (SELECT s."id", s."doc"::jsonb AS "doc", s."docs"::json[] AS "docs", s."ficus_row" ' +
        'FROM ROWS FROM (json_to_recordset($1::json) AS ("id" integer, "doc" text, "docs" text[]))',
    );
  });
});
