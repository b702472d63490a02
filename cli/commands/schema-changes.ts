/**
 * `ficus schema-changes [--json]` lists the column changes the sync saw and nobody resolved yet;
 * `ficus schema-changes resolve <id>` marks one dealt with (after the plan and the target were
 * changed): its gate stops blocking, and the service's running sync workers sync the table again
 * from the event it paused at, once its mapping compiles against the changed tables
 * (cdc/sink/mapping-reload.ts; docs/operations.md, "When the monolith's tables change").
 */
import type { Command } from 'commander';
import pg from 'pg';
import {
  openSchemaChanges,
  resolveSchemaChange,
  type SchemaChangeRecord,
} from '../../cdc/sink/schema-change-store.ts';
import { kitDbUrl } from '../../lib/kit-db.ts';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';

async function withKitDb<T>(work: (db: pg.Pool) => Promise<T>): Promise<T> {
  const db = new pg.Pool({ connectionString: kitDbUrl(), max: 1 });
  db.on('error', () => undefined);
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

const line = (c: SchemaChangeRecord) =>
  `#${c.id} ${c.service} (${c.direction}): ${c.description} at ${c.position}` +
  `${c.lsn ? ` LSN ${c.lsn}` : ''}, first seen ${c.firstSeenAt.slice(0, 19).replace('T', ' ')}: ` +
  (c.breaking
    ? 'sync of the table PAUSED, a gate blocks every advance'
    : 'not mapped, the sync goes on');

export function register(program: Command): void {
  const command = program
    .command('schema-changes')
    .description('column changes of captured tables the sync saw and nobody resolved yet')
    .option('--json', 'machine-readable output (stable): { changes: [...] }')
    .action(async (options: { json?: boolean }) => {
      const changes = await withKitDb((db) => openSchemaChanges(db));
      if (options.json) process.stdout.write(JSON.stringify({ changes }, null, 2) + '\n');
      else
        process.stdout.write(
          (changes.length ? changes.map(line) : ['no unresolved schema changes']).join('\n') + '\n',
        );
    });

  command
    .command('resolve <id>')
    .description(
      'mark a change dealt with once the plan and the target are changed: its gate stops blocking and the sync workers go on from the paused event',
    )
    .action(async (raw: string) => {
      const id = Number(raw);
      if (!Number.isInteger(id) || id < 1)
        throw new ConfigError(
          `schema-changes resolve: <id> must be a change's number, got "${raw}"`,
        );
      const resolved = await withKitDb((db) => resolveSchemaChange(db, id));
      if (!resolved)
        throw new ConfigError(
          `schema-changes resolve: no unresolved change #${id} (see \`ficus schema-changes\`)`,
        );
      createProgress().done(
        `schema change #${id} resolved: the service's sync workers resume the table from the paused event once its mapping compiles (within seconds; their log says "resumed")`,
      );
    });
}
