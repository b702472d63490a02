/**
 * Schemas other than `public` on both sides, and names that need quoting, through the real stack:
 * a legacy table in `Billing Data` (a space: its Debezium topic says `Billing_Data`), mixed-case,
 * with columns named `order`, `user` and `select`, synced forward by a Debezium connector and the
 * sink into a service table in the schema `ledger`, named `invoice lines`, whose key is a
 * `GENERATED ALWAYS` identity column. The target follows the source through snapshot, inserts,
 * updates and deletes, and `ficus verify` is clean. (The cut-over's sequences on such tables:
 * rollout/id-sequences.e2e.test.ts.)
 */
import { jest } from '@jest/globals';
import { createSinkFixture, sql, type SinkFixture } from '../../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';
import { failOnPgQueryOverlap } from '../../test-support/pg-overlap-guard.ts';

jest.setTimeout(180_000);

failOnPgQueryOverlap();

const TABLES = {
  legacySchema: 'Billing Data',
  serviceSchema: 'ledger',
  legacyDdl: `CREATE SCHEMA "Billing Data";
    CREATE TABLE "Billing Data"."Invoices" ("order" bigint PRIMARY KEY, "user" text NOT NULL,
      "select" numeric(12,2), "Note" text);
    INSERT INTO "Billing Data"."Invoices" VALUES (1, 'ada', 12.50, 'snapshot'), (2, 'bob', NULL, NULL);`,
  serviceDdl: `CREATE SCHEMA ledger;
    CREATE TABLE ledger."invoice lines" ("order" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      "group" text NOT NULL, "select" numeric(12,2), "Note" text);`,
  owns: [
    {
      source: 'Invoices',
      target: 'invoice lines',
      key: ['order'],
      columns: { order: 'order', user: 'group', select: 'select', Note: 'Note' },
    },
  ],
};

let fx: SinkFixture;
let worker: SinkWorker | undefined;
let events = 0;

beforeAll(async () => {
  fx = await createSinkFixture({ tables: TABLES });
  await fx.startConnector('forward');
  worker = await startSinkWorker(fx.workerOptions('forward'));
});

afterAll(async () => {
  await worker?.stop();
  await fx?.dispose();
});

/** Runs legacy SQL making `count` change events, waits until all are applied, then compares. */
async function change(text: string | undefined, count: number) {
  if (text) await sql(fx.legacyUrl, text);
  events += count;
  await fx.waitApplied('Invoices', events);
  const { expected, actual } = await fx.mappedAndActual('Invoices');
  expect(actual).toEqual(expected);
  const report = await fx.verify();
  expect(report).toEqual({
    service: fx.service,
    clean: true,
    tables: [
      expect.objectContaining({
        source: 'Invoices',
        target: 'invoice lines',
        rows: expected.length,
        matching: expected.length,
      }),
    ],
  });
  expect(worker!.stats().deadLetters).toBe(0);
  return actual;
}

test('the snapshot arrives in the service schema', async () => {
  const rows = await change(undefined, 2);
  expect(rows).toEqual([
    { order: '1', group: 'ada', select: '12.50', Note: 'snapshot' },
    { order: '2', group: 'bob', select: null, Note: null },
  ]);
});

test('inserts, updates and deletes follow, and verify stays clean', async () => {
  await change(`INSERT INTO "Billing Data"."Invoices" VALUES (30, 'cy', 1.00, 'new')`, 1);
  await change(
    `UPDATE "Billing Data"."Invoices" SET "user" = 'ada l.', "select" = 2 WHERE "order" = 1`,
    1,
  );
  const rows = await change(`DELETE FROM "Billing Data"."Invoices" WHERE "order" = 2`, 2); // and its tombstone
  expect(rows.map((r) => r.order)).toEqual(['1', '30']);
});
