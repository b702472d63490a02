/**
 * What `ficus connectors status` reports per connector: Connect's view (state, tasks, last error)
 * and the database's view (replication slot, bytes of WAL it has not confirmed yet). The JSON form
 * is a stable interface: { connectors: [ConnectorReport] }.
 */
import { errorMessage } from '../../lib/errors.ts';
import type { ConnectClient } from './connect-client.ts';
import { failureOf } from './apply-connector.ts';
import type { SourceConnectorSpec } from './source-config.ts';
import { slotState, type SlotState } from './source-database.ts';
import type { FicusConfig } from '../../lib/config/index.ts';
import { withSourceDb } from './configured-connectors.ts';

export type ConnectorReport = {
  name: string;
  service: string;
  direction: string;
  /** Connect's connector state, or ABSENT when it is not created */
  state: string;
  tasks: { id: number; state: string }[];
  slot: Omit<SlotState, 'slot'> & { name: string; error?: string };
  lastError: string | null;
};

export async function connectorReport(
  connect: ConnectClient,
  spec: SourceConnectorSpec,
  config: FicusConfig,
): Promise<ConnectorReport> {
  const status = await connect.findStatus(spec.name);
  let slot: ConnectorReport['slot'];
  try {
    const state = await withSourceDb(config, spec, (db) => slotState(db, spec.slot));
    slot = {
      name: spec.slot,
      exists: state.exists,
      active: state.active,
      lagBytes: state.lagBytes,
    };
  } catch (error) {
    slot = {
      name: spec.slot,
      exists: false,
      active: false,
      lagBytes: null,
      error: errorMessage(error),
    };
  }
  return {
    name: spec.name,
    service: spec.service,
    direction: spec.direction,
    state: status?.connector.state ?? 'ABSENT',
    tasks: (status?.tasks ?? []).map((t) => ({ id: t.id, state: t.state })),
    slot,
    lastError: status ? (failureOf(status) ?? null) : null,
  };
}

export function formatReport(r: ConnectorReport): string {
  const tasks = r.tasks.length ? r.tasks.map((t) => `${t.id}:${t.state}`).join(' ') : '-';
  const lag = r.slot.lagBytes === null ? '-' : `${r.slot.lagBytes} B`;
  const slot = r.slot.exists
    ? `${r.slot.name} ${r.slot.active ? 'active' : 'inactive'}, lag ${lag}`
    : `${r.slot.name} (none)`;
  const error = r.lastError ? `\n    last error: ${r.lastError.replace(/\n/g, '\n      ')}` : '';
  return `  ${r.name.padEnd(28)} ${r.state.padEnd(9)} tasks ${tasks.padEnd(12)} slot ${slot}${error}`;
}
