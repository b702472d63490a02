/**
 * `apply` of one source connector, idempotent: refuses a database that is not ready (wal_level, a
 * table without a key: source-prerequisites.ts), prepares it (kit tables, replica identity,
 * publication), creates or updates it in Connect, restarts it if it had failed, and
 * waits until the connector and all its tasks are RUNNING. A FAILED task ends the wait at once
 * with a ConnectorFailedError carrying a short summary of Connect's stack trace.
 */
import type pg from 'pg';
import { FicusError, TimeoutError } from '../../lib/errors.ts';
import type { Progress } from '../../lib/progress.ts';
import { sleep } from '../../lib/wait.ts';
import type { ConnectClient, ConnectorConfig, ConnectorStatus } from './connect-client.ts';
import { requireCaptureReady } from './source-prerequisites.ts';
import { messageKeyColumns, uniqueKeyFor, type TableKeys } from './table-keys.ts';
import { tableKey } from '../../plan/qualified-table.ts';
import type { SourceConnectorSpec } from './source-config.ts';
import {
  ensureKitTables,
  grantCapture,
  ensurePublication,
  ensureReplicaIdentity,
  slotState,
} from './source-database.ts';

export class ConnectorFailedError extends FicusError {
  constructor(name: string, trace: string) {
    super('connector_failed', `connector ${name} FAILED:\n${trace}`, {
      details: { connector: name, trace },
    });
  }
}

/** The first line of a Java trace and its "Caused by" lines: what went wrong, without the frames. */
export function summariseTrace(trace: string | undefined): string {
  if (!trace) return '(no trace)';
  const lines = trace.split('\n').map((l) => l.trim());
  const keep = [lines[0], ...lines.filter((l) => l.startsWith('Caused by:'))];
  return [...new Set(keep)].map((l) => (l.length > 400 ? l.slice(0, 400) + '…' : l)).join('\n');
}

export function failureOf(status: ConnectorStatus): string | undefined {
  if (status.connector.state === 'FAILED') return summariseTrace(status.connector.trace);
  const task = status.tasks.find((t) => t.state === 'FAILED');
  return task ? `task ${task.id}: ${summariseTrace(task.trace)}` : undefined;
}

export const isRunning = (s: ConnectorStatus) =>
  s.connector.state === 'RUNNING' &&
  s.tasks.length > 0 &&
  s.tasks.every((t) => t.state === 'RUNNING');

/**
 * The connector's configuration with `message.key.columns` for the tables keyed by a unique key
 * instead of a primary key (table-keys.ts), so that Debezium keys their messages by the plan's key.
 */
export function withMessageKeys(
  config: ConnectorConfig,
  keys: TableKeys[],
  planKeys: Map<string, string[][]>,
): ConnectorConfig {
  const keyed = keys
    .filter((k) => k.exists && !k.primaryKey)
    .flatMap((k) => {
      const key = planKeys.get(tableKey(k.table))?.[0];
      return key && uniqueKeyFor(k, key) ? [{ table: k.table, key }] : [];
    });
  return keyed.length ? { ...config, 'message.key.columns': messageKeyColumns(keyed) } : config;
}

export async function waitUntilRunning(
  connect: ConnectClient,
  name: string,
  options: { timeoutMs?: number; progress?: Progress } = {},
): Promise<ConnectorStatus> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    // a FAILED state ends the wait at once; only "not yet" and retriable errors are waited out
    let status: ConnectorStatus | undefined;
    try {
      status = await connect.status(name);
    } catch (error) {
      if (
        !(error instanceof FicusError && error.retriable) &&
        !(error instanceof FicusError && error.status === 404)
      )
        throw error;
    }
    if (status) {
      const failure = failureOf(status);
      if (failure) throw new ConnectorFailedError(name, failure);
      const summary = `${name}: ${status.connector.state}, tasks ${status.tasks.map((t) => t.state).join(',') || 'none yet'}`;
      if (summary !== last) options.progress?.step(summary);
      last = summary;
      if (isRunning(status)) return status;
    }
    if (Date.now() > deadline)
      throw new TimeoutError(
        `timed out after ${timeoutMs} ms waiting for connector ${name} to be RUNNING (last: ${last || 'no status'})`,
      );
    await sleep(500);
  }
}

export async function applyConnector(
  spec: SourceConnectorSpec,
  deps: {
    connect: ConnectClient;
    sourceDb: Pick<pg.Client, 'query'>;
    progress?: Progress;
    timeoutMs?: number;
    /**
     * Runs just before a connector is created with a new slot (its stream starts from nothing):
     * where `ficus connectors apply` asks the sync for the initial copy of its tables.
     */
    beforeCreate?: () => Promise<void>;
  },
): Promise<{ created: boolean; status: ConnectorStatus }> {
  const { connect, sourceDb, progress } = deps;
  // refused before anything is created: a keyless table would dead-letter every change
  const where = `${spec.direction === 'forward' ? 'the legacy database' : `${spec.service}'s database`} (${spec.endpoint.database})`;
  const keys = await requireCaptureReady(sourceDb, spec, where);
  const config = withMessageKeys(spec.config, keys, spec.keys);
  await ensureKitTables(sourceDb, spec);
  await grantCapture(sourceDb, spec);
  const full = await ensureReplicaIdentity(sourceDb, spec.keys, keys);
  if (full.length)
    progress?.step(`REPLICA IDENTITY FULL on ${full.join(', ')} (plan key is not the primary key)`);
  const publication = await ensurePublication(sourceDb, spec);
  progress?.step(
    `publication ${spec.publication} ${publication}: ${spec.tables.map((t) => `${t.schema}.${t.table}`).join(', ')}`,
  );
  const before = await connect.findStatus(spec.name);
  let created = false;
  if (!before && !(await slotState(sourceDb, spec.slot)).exists) {
    // A connector's source offsets outlive it in Connect's offsets topic. A new connector of the
    // same name would resume from them, at a position its new slot does not have (Debezium fails),
    // or skip its snapshot. So a connector that starts without a slot starts from no offsets.
    await deps.beforeCreate?.();
    await connect.createStopped(spec.name, config);
    await connect.resetOffsets(spec.name);
    await connect.resume(spec.name);
    created = true;
    progress?.step(`connector ${spec.name} created, from no offsets (its slot is new)`);
  } else {
    ({ created } = await connect.put(spec.name, config));
    progress?.step(`connector ${spec.name} ${created ? 'created' : 'updated'}`);
  }
  if (before && failureOf(before)) {
    progress?.step(`connector ${spec.name} had failed: restarting it and its failed tasks`);
    await connect.restart(spec.name, { includeTasks: true, onlyFailed: true });
  }
  const status = await waitUntilRunning(connect, spec.name, {
    timeoutMs: deps.timeoutMs,
    progress,
  });
  progress?.done(
    `connector ${spec.name} RUNNING (${status.tasks.length} task${status.tasks.length === 1 ? '' : 's'})`,
  );
  return { created, status };
}
