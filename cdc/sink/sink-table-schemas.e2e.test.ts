/**
 * One service owning tables from two schemas of the same legacy database, as a real monolith
 * keeps them: `public.members` through the plan's `legacy.schema`, and `lending.loans` through the
 * table's own `sourceSchema` (landing in the service's schema `books` by its `targetSchema`). One
 * Debezium connector captures both, the sink applies both, and `ficus verify` is clean for both.
 * A second `members` table in `lending` that the plan does not name must not reach the service.
 */
import { jest } from '@jest/globals';
import { createSinkFixture, sql, type SinkFixture } from '../../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';

jest.setTimeout(180_000);

const TABLES = {
  legacyDdl: `CREATE SCHEMA lending;
    CREATE TABLE public.members (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE lending.loans (ref text PRIMARY KEY, member_id bigint NOT NULL, amount numeric(12,2));
    CREATE TABLE lending.members (id bigint PRIMARY KEY, name text NOT NULL);
    INSERT INTO public.members VALUES (1, 'ada'), (2, 'bob');
    INSERT INTO lending.loans VALUES ('L-1', 1, 100.00);
    INSERT INTO lending.members VALUES (1, 'not for the service');`,
  serviceDdl: `CREATE SCHEMA books;
    CREATE TABLE public.members (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE books.loans (ref text PRIMARY KEY, member_id bigint NOT NULL, amount numeric(12,2));`,
  owns: [
    { source: 'members', target: 'members', key: ['id'] },
    {
      source: 'loans',
      sourceSchema: 'lending',
      target: 'loans',
      targetSchema: 'books',
      key: ['ref'],
    },
  ],
};

let fx: SinkFixture;
let worker: SinkWorker | undefined;
const events = { members: 0, loans: 0 };

beforeAll(async () => {
  fx = await createSinkFixture({ tables: TABLES });
  await fx.startConnector('forward');
  worker = await startSinkWorker(fx.workerOptions('forward'));
});

afterAll(async () => {
  await worker?.stop();
  await fx?.dispose();
});

/** Runs legacy SQL making the given change events, waits until all are applied, then compares. */
async function change(text: string | undefined, counts: Partial<typeof events>) {
  if (text) await sql(fx.legacyUrl, text);
  for (const table of ['members', 'loans'] as const) {
    events[table] += counts[table] ?? 0;
    await fx.waitApplied(table, events[table]);
    const { expected, actual } = await fx.mappedAndActual(table);
    expect(actual).toEqual(expected);
  }
  const report = await fx.verify();
  expect(report.clean).toBe(true);
  expect(report.tables.map((t) => [t.source, t.target, t.rows, t.matching])).toEqual([
    ['members', 'members', 2, 2],
    ['loans', 'loans', events.loans === 1 ? 1 : 2, events.loans === 1 ? 1 : 2],
  ]);
  expect(worker!.stats().deadLetters).toBe(0);
}

test('the snapshot of both schemas arrives, each table in its own schema', async () => {
  await change(undefined, { members: 2, loans: 1 });
  const { rows } = await sql(fx.serviceUrl, 'SELECT ref, amount::text FROM books.loans');
  expect(rows).toEqual([{ ref: 'L-1', amount: '100.00' }]);
  const members = await sql(fx.serviceUrl, 'SELECT id::text, name FROM public.members ORDER BY id');
  expect(members.rows).toEqual([
    { id: '1', name: 'ada' },
    { id: '2', name: 'bob' },
  ]);
});

test('changes in either schema follow; the unnamed lending.members does not', async () => {
  await change(
    `INSERT INTO lending.loans VALUES ('L-2', 2, 25.50);
     UPDATE public.members SET name = 'ada l.' WHERE id = 1;
     UPDATE lending.members SET name = 'still not' WHERE id = 1`,
    { members: 1, loans: 1 },
  );
  const { rows } = await sql(fx.serviceUrl, 'SELECT name FROM public.members WHERE id = 1');
  expect(rows).toEqual([{ name: 'ada l.' }]);
});
