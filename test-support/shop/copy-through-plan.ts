/**
 * For e2e suites: copies a service's tables from a legacy DB into its service DB exactly as the
 * forward sync does, through the plan's mapping compiler (the same staged-upsert SQL the sink
 * runs). So a suite can put logical data in once, on the legacy side, and ask both the monolith
 * and the service about it; and a migration that drifts from the plan fails here.
 */
import pg from 'pg';
import { compileTableMapping } from '../../plan/mapping.ts';
import { describeExistingTable } from '../../plan/describe-table.ts';
import { findService, loadPlan } from '../../plan/load-plan.ts';
import { renderStagedUpsert } from '../../plan/mapping.ts';
import type { Knex } from 'knex';
import { alignIdSequences } from '../../rollout/id-sequences.ts';
import { sourceTableOf, targetTableOf } from '../../plan/qualified-table.ts';
import { quoteTable } from '../../lib/sql.ts';

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'`);
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Copies every table the service owns or replicates; then moves the owned tables' id sequences on. */
export async function copyThroughPlan(options: {
  legacyUrl: string;
  serviceUrl: string;
  service: string;
  serviceDb: Knex;
}): Promise<void> {
  const plan = loadPlan();
  const service = findService(plan, options.service);
  const tables = [...service.owns, ...service.replicates];
  await withClient(options.legacyUrl, (legacy) =>
    withClient(options.serviceUrl, async (target) => {
      for (const table of tables) {
        const source = sourceTableOf(plan, table);
        const columns = await describeExistingTable(
          legacy,
          source.schema,
          source.table,
          `plan ${options.service}`,
        );
        const compiled = compileTableMapping(table, columns, {
          sourceSchema: source.schema,
          targetSchema: targetTableOf(service, table).schema,
        });
        const { rows } = await legacy.query(
          `SELECT coalesce(jsonb_agg(t), '[]'::jsonb) AS rows FROM ${quoteTable(source.schema, source.table)} t`,
        );
        await target.query(renderStagedUpsert(compiled, 'forward'), [JSON.stringify(rows[0].rows)]);
      }
    }),
  );
  await alignIdSequences(
    options.serviceDb,
    service.owns.map((t) => targetTableOf(service, t)),
  );
}
