/**
 * Extracting one service's data: its own database (migrations as its own role), the Debezium
 * connector for the tables it owns and replicates, the forward sync into its database, and the
 * parity check. Then `rest` takes it through the parallel run and the cut-over.
 */
import { createProgress } from '../lib/progress.ts';
import { ensureApp, serviceApp, syncApp } from '../stack/apps.ts';
import { loadStackConfig } from '../stack/stack-config.ts';
import { serviceSql } from './demo-probes.ts';
import { ficus, type Context } from './context.ts';

export async function extractService(
  ctx: Context,
  name: string,
  rest: () => Promise<void> | void,
): Promise<void> {
  const { n, plan } = ctx;
  const service = plan.services.find((s) => s.name === name)!;
  const tables = [
    ...service.owns.map((t) => `${t.source} (owned)`),
    ...service.replicates.map((t) => `${t.source} -> ${t.target} (read model)`),
  ];
  await n.step(
    `extract ${name}: its own database, the data flowing in`,
    `${name} gets a database only its own login role can open, shaped its own way (plan/shop.plan.yaml). A Debezium connector streams the changes of ${tables.join(', ')} from a new replication slot into Kafka. ficus sync first copies those tables straight from the legacy database (COPY, in key-range chunks, through the plan's mapping) while their changes wait in Kafka, then applies the changes into ${name}'s database, exactly once, skipping the ones the copy already holds. Then ficus verify compares the rows on both sides, hashed inside each database.`,
  );
  const config = loadStackConfig();
  await ficus(ctx, ['migrate', name]);
  await ficus(ctx, ['connectors', 'apply', name]);
  // Both sync workers, as a supervisor would run them: the reverse one stands by until the
  // write cut-over switches it on in the kit DB (the cut-over itself starts no process).
  for (const app of [
    serviceApp(config, plan, name),
    syncApp(plan, name, 'forward'),
    syncApp(plan, name, 'reverse'),
  ])
    await ensureApp(config, app, createProgress());
  const verified = await ficus(ctx, ['verify', name]);
  n.check(
    `${name}'s database holds exactly the legacy rows, through the mapping`,
    /clean/.test(verified),
  );
  const first = service.owns[0];
  const [row] = await serviceSql<Record<string, unknown>>(
    service.database,
    `SELECT * FROM ${first.target} ORDER BY 1 LIMIT 1`,
  );
  n.say(`One ${first.target} row in ${name}'s own database: ${JSON.stringify(row).slice(0, 220)}`);
  await rest();
}
