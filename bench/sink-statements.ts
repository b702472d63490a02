/**
 * The target database's CPU for the sink's two ways of writing rows that are new: the upsert
 * (`INSERT … SELECT FROM json_to_recordset($1) ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM`)
 * and the plain `INSERT` it sends inserts and snapshot reads as first (cdc/sink/insert-first.ts),
 * side by side in rounds, each statement the sink's own (table-writer.ts) for the identity mapping
 * of the sink bench's products table, each round BENCH_ROWS rows in statements of BENCH_BATCH
 * (the sink's batch size under load) into an empty table, one transaction per statement as the
 * sink commits; and, as the limit, `COPY … FROM STDIN` of the same rows (text format, built
 * before the rounds). CPU is the server backend's own (/proc of pg_backend_pid(), utime + stime), so
 * what else the machine runs weighs less than on the end-to-end bench (bench/sink-throughput.ts).
 *
 *   node bench/sink-statements.ts            (with the embedded stack up)
 */
import pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { compileTableMapping } from '../plan/mapping.ts';
import { buildTableWriter } from '../cdc/sink/table-writer.ts';
import { rowsParameter } from '../cdc/sink/rows-parameter.ts';
import { urls } from '../test-support/sink-e2e-harness.ts';
import { readStat, TICK_MS } from './proc-cpu.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);

const COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'sku', type: 'text' },
  { name: 'name', type: 'text' },
  { name: 'description', type: 'text' },
  { name: 'price', type: 'numeric(12,2)' },
];
const compiled = compileTableMapping(
  {
    source: 'products',
    target: 'products',
    key: ['id'],
    columns: Object.fromEntries(COLUMNS.map((c) => [c.name, { target: c.name }])),
  },
  COLUMNS,
);
const writer = buildTableWriter(compiled, 'forward', 'bench.public.products');
const sides = { upsert: writer.upsertSql, insert: writer.insertSql };
const SIDES = ['upsert', 'insert', 'copy'] as const;
type Side = (typeof SIDES)[number];

const product = (id: number) => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  description: `${'lorem ipsum '.repeat(4)}${id}`,
  price: ((id % 100_000) / 100).toFixed(2),
});

/** Per statement: the rows as Debezium's after-rows (numerics as text), and as COPY text. */
const batches: { json: Buffer; copyText: Buffer }[] = [];
for (let first = 1; first <= ROWS; first += BATCH) {
  const rows = [];
  for (let id = first; id < Math.min(first + BATCH, ROWS + 1); id++) rows.push(product(id));
  batches.push({
    json: rowsParameter(rows.map((r) => ({ row: Buffer.from(JSON.stringify(r)) }))),
    copyText: Buffer.from(rows.map((r) => `${Object.values(r).join('\t')}\n`).join('')),
  });
}

/** CPU of a server process in ms, from /proc (the server runs on this machine). */
function backendCpuMs(pid: number): number {
  const stat = readStat(`/proc/${pid}/stat`);
  if (!stat) throw new Error(`the server backend ${pid} has ended`);
  return (Number(stat.fields[11]) + Number(stat.fields[12])) * TICK_MS; // utime + stime
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[], digits = 2) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

async function main() {
  const database = `bench_statements_${process.pid}`;
  const admin = new pg.Client({ connectionString: urls.servicesAdmin('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const client = new pg.Client({ connectionString: urls.servicesAdmin(database) });
  try {
    await client.connect();
    await client.query(
      `CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL, name text NOT NULL,
        description text, price numeric(12,2) NOT NULL)`,
    );
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const write = async (side: Side, batch: (typeof batches)[number]) => {
      if (side !== 'copy') await client.query(sides[side], [batch.json]);
      else
        await pipeline(
          Readable.from([batch.copyText]),
          client.query(copyFrom('COPY products FROM STDIN')),
        );
    };
    const run = async (side: Side) => {
      await client.query('TRUNCATE products');
      await client.query('CHECKPOINT'); // neither side pays for the other's dirty pages
      const cpuBefore = backendCpuMs(pid);
      const started = performance.now();
      for (const batch of batches) {
        await client.query('BEGIN');
        await write(side, batch);
        await client.query('COMMIT');
      }
      const measured = {
        cpuUs: ((backendCpuMs(pid) - cpuBefore) * 1000) / ROWS,
        wallUs: ((performance.now() - started) * 1000) / ROWS,
      };
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM products');
      if (rows[0].n !== ROWS) throw new Error(`${side} wrote ${rows[0].n} rows of ${ROWS}`);
      return measured;
    };
    for (const side of SIDES) await run(side); // warm the caches and the plans
    const cpu = { upsert: [] as number[], insert: [] as number[], copy: [] as number[] };
    const ratios = { 'insert/upsert': [] as number[], 'copy/insert': [] as number[] };
    console.log(`${ROWS} rows in statements of ${BATCH}, ${ROUNDS} rounds; backend CPU µs per row`);
    for (let round = 1; round <= ROUNDS; round++) {
      // each round starts one side later, so that a drift of the machine weighs on all of them
      const order = SIDES.map((_, i) => SIDES[(i + round) % SIDES.length]);
      const got = {} as Record<Side, { cpuUs: number; wallUs: number }>;
      for (const side of order) got[side] = await run(side);
      for (const side of SIDES) cpu[side].push(got[side].cpuUs);
      ratios['insert/upsert'].push(got.insert.cpuUs / got.upsert.cpuUs);
      ratios['copy/insert'].push(got.copy.cpuUs / got.insert.cpuUs);
      const shown = SIDES.map(
        (s) => `${s} ${got[s].cpuUs.toFixed(2)} (wall ${got[s].wallUs.toFixed(2)})`,
      );
      console.log(`  round ${round}: ${shown.join(', ')}`);
    }
    console.log('median (min-max) of the rounds:');
    for (const side of SIDES) console.log(`  ${side.padEnd(14)} ${spread(cpu[side])} µs per row`);
    for (const [name, xs] of Object.entries(ratios))
      console.log(`  ${name.padEnd(14)} ${spread(xs)}`);
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
