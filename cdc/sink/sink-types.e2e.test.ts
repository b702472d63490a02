/**
 * Every PostgreSQL type a monolith commonly holds, round-tripped exactly through the real stack:
 * written in the legacy DB, carried by the forward Debezium connector and the ficus sink into the
 * service DB, then changed in the service DB and carried back by the reverse connector and the
 * reverse sink into the legacy DB. One table and one test per type, so that a failure names the
 * type; each value sits in a row of its own, so that the difference names the value. Values are
 * compared by their `::text` on both sides (same session TimeZone, UTC).
 *
 * The reverse step moves each row's value to the next row (`v` of row i becomes that of row i+1),
 * so that every value travels back too, and every row changes.
 *
 * The enum and domain tables also prove that the service DB needs none of the legacy DB's types:
 * the enum is kept as the service's own enum of another name, the domain as plain text, and
 * columns of legacy-only types that the plan drops are never declared in the service DB.
 */
import { jest } from '@jest/globals';
import { waitFor } from '../../lib/wait.ts';
import { createSinkFixture, sql, type SinkFixture } from '../../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';
import { compileTableMapping } from '../../plan/mapping.ts';
import { describeTable } from '../../plan/describe-table.ts';
import { applyTableRepair } from '../verify/repair-apply.ts';
import { openVerifyPool } from '../verify/verify-service.ts';
import { failOnPgQueryOverlap } from '../../test-support/pg-overlap-guard.ts';

jest.setTimeout(180_000);

failOnPgQueryOverlap();

type TypeCase = {
  /** the test's name and the table's (`t_<name>`) */
  name: string;
  /** the legacy column's type, and the service column's when it differs */
  legacyType: string;
  serviceType?: string;
  /** SQL literals, one row each (ids 1..n) */
  values: string[];
  /** what a dropped column of a legacy-only type looks like (legacy DDL; the plan drops `gone`) */
  gone?: string;
};

const CASES: TypeCase[] = [
  {
    name: 'interval',
    legacyType: 'interval',
    values: [
      "'1 year 2 mons 3 days 04:05:06.789012'",
      "'-1 mons +2 days -00:00:00.000001'",
      "'1 mon -1 days'",
      "'-178000000 years'",
      "'00:00:00.000001'",
      "'0'",
      'NULL',
    ],
  },
  {
    name: 'bigint',
    legacyType: 'bigint',
    values: [
      '9007199254740993',
      '9223372036854775807',
      '-9223372036854775808',
      '-9007199254740993',
      '0',
    ],
  },
  {
    name: 'numeric',
    legacyType: 'numeric',
    values: [
      '123456789012345678901234567890.123456789',
      '-0.000000000000000000000000000001',
      '1.50',
      '1e30',
      "'NaN'",
      '0',
    ],
  },
  {
    name: 'text[]',
    legacyType: 'text[]',
    values: [`'{"a,b","with \\"quote\\"",NULL,"ü€😀","",NULL}'`, "'{}'", "'{NULL}'", "'{plain}'"],
  },
  {
    name: 'int[]',
    legacyType: 'int[]',
    values: ["'{1,NULL,-2147483648,2147483647}'", "'{}'", "'{NULL,NULL}'"],
  },
  {
    name: 'date[]',
    legacyType: 'date[]',
    values: ["'{2024-02-29,NULL,1969-07-20,0001-01-01}'", "'{9999-12-31}'", "'{}'"],
  },
  {
    name: 'bytea[]',
    legacyType: 'bytea[]',
    values: [`'{"\\\\x0102",NULL,"\\\\x"}'`, `'{"\\\\x00ff00"}'`, "'{}'"],
  },
  {
    name: 'timestamptz[]',
    legacyType: 'timestamptz[]',
    values: [
      `'{"2024-01-02 03:04:05.123456+00",NULL,"1969-12-31 23:59:59.999999+00"}'`,
      `'{"2024-06-30 12:00:00+05:30"}'`,
    ],
  },
  {
    name: 'jsonb',
    legacyType: 'jsonb',
    values: [
      `'{"a": {"b": [1, 2.50, {"c": null}], "d": true}, "u": "ü€😀\\n\\"q\\""}'`,
      `'{"big": 123456789012345678901234567890, "exact": 9007199254740993, "small": 1.0000000000000000000001, "neg": -1e-30}'`,
      `'[1, "two", [3], {}]'`,
      `'"a string"'`,
      "'null'",
      'NULL',
      "'{}'",
    ],
  },
  {
    name: 'jsonb[]',
    legacyType: 'jsonb[]',
    values: [`ARRAY['{"a": [1, 2.50]}'::jsonb, 'null'::jsonb, NULL, '"s"'::jsonb]`, "'{}'"],
  },
  {
    name: 'bytea',
    legacyType: 'bytea',
    values: ["'\\x'", "'\\x00ff7f80'", "decode(repeat('c0ffee', 1000), 'hex')", 'NULL'],
  },
  {
    name: 'uuid',
    legacyType: 'uuid',
    values: [
      "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
      "'00000000-0000-0000-0000-000000000000'",
      "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
    ],
  },
  {
    name: 'timestamp',
    legacyType: 'timestamp',
    values: [
      "'2024-01-02 03:04:05.123456'",
      "'1969-12-31 23:59:59.999999'",
      "'1900-01-01 00:00:00'",
      "'0001-01-01 00:00:00'",
      "'9999-12-31 23:59:59.999999'",
      "'0044-03-15 12:00:00.000001 BC'",
      "'200000-01-01 00:00:00.000001'",
      "'infinity'",
      "'-infinity'",
    ],
  },
  {
    name: 'date',
    legacyType: 'date',
    values: [
      "'2024-02-29'",
      "'4713-01-01 BC'",
      "'0001-01-01 BC'",
      "'5874897-12-31'",
      "'infinity'",
      "'-infinity'",
    ],
  },
  {
    name: 'time',
    legacyType: 'time',
    values: ["'24:00:00'", "'00:00:00.000001'", "'23:59:59.999999'"],
  },
  {
    name: 'timestamptz',
    legacyType: 'timestamptz',
    values: [
      "'2024-01-02 03:04:05.123456+00'",
      "'2024-06-30 23:30:00.000001+05:30'",
      "'1969-12-31 23:59:59.999999+00'",
      "'0001-01-01 00:00:00+00'",
      "'9999-12-31 23:59:59.999999+00'",
      "'infinity'",
      "'-infinity'",
    ],
  },
  {
    // kept as the service's own enum, of another name; a dropped column's enum exists only in legacy
    name: 'enum',
    legacyType: 'legacy_mood',
    serviceType: 'service_mood',
    values: ["'sad'", "'ok'", "'happy'", 'NULL'],
    gone: 'legacy_only_flag',
  },
  {
    name: 'enum[]',
    legacyType: 'legacy_mood[]',
    serviceType: 'service_mood[]',
    // no NULL element: Debezium sends an enum array holding one as NULL (docs/plan.md, Types)
    values: ["'{sad,happy}'", "'{}'", "'{ok}'", 'NULL'],
  },
  {
    // kept as plain text; a dropped column's domain over an enum exists only in legacy
    name: 'domain',
    legacyType: 'legacy_email',
    serviceType: 'text',
    values: ["'a@example.com'", "'ü@例え.jp'", 'NULL'],
    gone: 'legacy_code',
  },
];

const table = (c: TypeCase) => `t_${c.name.replace(/\W/g, '_')}`;

const LEGACY_TYPES = `
CREATE TYPE legacy_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE legacy_only_flag AS ENUM ('on', 'off');
CREATE DOMAIN legacy_email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN legacy_code AS legacy_only_flag NOT NULL DEFAULT 'on';`;

const SERVICE_TYPES = `CREATE TYPE service_mood AS ENUM ('happy', 'ok', 'sad');`;

const ddl = (side: 'legacy' | 'service') =>
  CASES.map((c) => {
    const type = side === 'legacy' ? c.legacyType : (c.serviceType ?? c.legacyType);
    const gone = side === 'legacy' && c.gone ? `, gone ${c.gone}` : '';
    return `CREATE TABLE ${table(c)} (id int PRIMARY KEY, v ${type}${gone});`;
  }).join('\n');

let fx: SinkFixture;
const workers: SinkWorker[] = [];

beforeAll(async () => {
  fx = await createSinkFixture({
    tables: {
      legacyDdl: `${LEGACY_TYPES}\n${ddl('legacy')}`,
      serviceDdl: `${SERVICE_TYPES}\n${ddl('service')}`,
      owns: CASES.map((c) => ({
        source: table(c),
        target: table(c),
        key: ['id'],
        ...(c.gone ? { drop: ['gone'] } : {}),
      })),
    },
  });
  await fx.startConnector('forward');
  workers.push(await startSinkWorker(fx.workerOptions('forward')));
  // reverse, as after the cut-over: no snapshot, only the service's changes from now on
  await fx.startConnector('reverse', { 'snapshot.mode': 'no_data' });
  workers.push(await startSinkWorker(fx.workerOptions('reverse')));
});

afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await fx?.dispose();
});

/** A table's rows as `{ id, v }` with v as its text, by id. */
const rowsOf = async (url: string, name: string) =>
  (await sql(url, `SELECT id, v::text AS v FROM ${name} ORDER BY id`)).rows as {
    id: number;
    v: string | null;
  }[];

/** Waits until `to` holds what `from` holds (by text), then returns both for an exact comparison. */
async function arrived(from: string, to: string, name: string, what: string) {
  const expected = await rowsOf(from, name);
  await waitFor(
    what,
    async () => JSON.stringify(await rowsOf(to, name)) === JSON.stringify(expected),
    { timeoutMs: 60_000, intervalMs: 300 },
  ).catch(() => undefined); // the comparison below shows what differs
  return { expected, actual: await rowsOf(to, name) };
}

for (const c of CASES) {
  const name = table(c);

  test(`${c.name} round-trips exactly: legacy -> service -> legacy`, async () => {
    const rows = c.values.map((v, i) => `(${i + 1}, ${v})`).join(', ');
    await sql(fx.legacyUrl, `INSERT INTO ${name} (id, v) VALUES ${rows}`);
    const forward = await arrived(fx.legacyUrl, fx.serviceUrl, name, `${name} in the service DB`);
    expect(forward.actual).toEqual(forward.expected);
    expect(forward.actual).toHaveLength(c.values.length);

    // every row takes the next row's value, in the service DB
    await sql(
      fx.serviceUrl,
      `UPDATE ${name} AS a SET v = b.v FROM ${name} AS b WHERE b.id = a.id % ${c.values.length} + 1`,
    );
    const reverse = await arrived(fx.serviceUrl, fx.legacyUrl, name, `${name} back in legacy`);
    expect(reverse.actual).toEqual(reverse.expected);
    expect(reverse.actual.map((r) => r.v)).toEqual([
      ...forward.expected.slice(1).map((r) => r.v),
      forward.expected[0].v,
    ]);
    if (c.gone) {
      // the dropped column kept its legacy value; the service DB never had its type
      const { rows: gone } = await sql(fx.legacyUrl, `SELECT count(gone)::int AS n FROM ${name}`);
      expect(gone[0].n).toBe(c.name === 'domain' ? c.values.length : 0);
      const { rows: types } = await sql(
        fx.serviceUrl,
        `SELECT count(*)::int AS n FROM pg_type WHERE typname = $1`,
        [c.gone],
      );
      expect(types[0].n).toBe(0);
    }
  });
}

test('no dead letters, and ficus verify finds every type table clean', async () => {
  for (const w of workers) expect(w.stats().deadLetters).toBe(0);
  const report = await fx.verify();
  expect(report.tables.filter((t) => t.rows !== t.matching)).toEqual([]);
  expect(report.clean).toBe(true);
  const { rows } = await sql(
    fx.serviceUrl,
    "SELECT typname FROM pg_type WHERE typname LIKE 'legacy%' ORDER BY typname",
  );
  expect(rows).toEqual([]);
});

test('ficus verify --repair carries json and jsonb arrays exactly, both ways', async () => {
  // the sinks stop: what is planted below must stay a difference until the repair
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  const dbs = { legacy: openVerifyPool(fx.legacyUrl), service: openVerifyPool(fx.serviceUrl) };
  try {
    for (const name of ['t_jsonb', 't_jsonb__']) {
      const mapping = fx.plan.services[0].owns.find((t) => t.source === name)!;
      const compiled = compileTableMapping(
        mapping,
        await describeTable(dbs.legacy, 'public', name),
        { target: await describeTable(dbs.service, 'public', name) },
      );
      const ids = (await rowsOf(fx.legacyUrl, name)).map((r) => [String(r.id)]);
      expect(ids.length).toBeGreaterThan(1);
      const wrong =
        name === 't_jsonb' ? `'{"planted": true}'` : `ARRAY['{"planted": true}'::jsonb]`;
      for (const [direction, written] of [
        ['forward', fx.serviceUrl],
        ['reverse', fx.legacyUrl],
      ] as const) {
        await sql(written, `UPDATE ${name} SET v = ${wrong}`);
        const repair = {
          source: name,
          target: name,
          keyNames: ['id'],
          direction,
          copy: ids,
          remove: [],
        };
        await applyTableRepair(compiled, repair, { dbs, service: fx.service });
        const [read, into] =
          direction === 'forward' ? [fx.legacyUrl, fx.serviceUrl] : [fx.serviceUrl, fx.legacyUrl];
        expect(await rowsOf(into, name)).toEqual(await rowsOf(read, name));
      }
    }
  } finally {
    await Promise.all([dbs.legacy.end(), dbs.service.end()]);
  }
});
