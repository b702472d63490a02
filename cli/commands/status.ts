/**
 * `ficus status [--json]`: every service with its stage, the gates of its next stage (with
 * values), sync lag, parity, match rate, its latest rollout and each sync direction (on or off,
 * live workers); the live proxies and what each routes by; then the stage history (who,
 * when, why, forced). The JSON shape is documented in rollout/service-status.ts.
 */
import type { Command } from 'commander';
import { loadPlan } from '../../plan/load-plan.ts';
import { configuredUnleashAdmin } from '../../rollout/unleash-admin.ts';
import { openKitDb } from '../../lib/kit-db.ts';
import { formatGates } from '../../rollout/gates.ts';
import { serviceStatus, type StatusReport } from '../../rollout/service-status.ts';
import { openSyncLag } from '../../rollout/configured-sync-lag.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { preflight } from '../preflight.ts';
import type { DirectionStatus } from '../../cdc/fleet/sync-fleet.ts';
import { formatCopyProgress } from '../../cdc/copy/copy-progress.ts';
import type { ProxyStatus } from '../../lib/proxy-fleet/proxy-fleet.ts';

/** `forward sync on (generation 2): 1 live worker, 1 running, heartbeat 0.4 s ago` */
function syncLine(d: DirectionStatus): string {
  const w = d.workers;
  const workers = w.live
    ? `${w.live} live worker(s): ${w.running} running, ${w.standby} standby, heartbeat ${((w.heartbeatAgeMs ?? 0) / 1000).toFixed(1)} s ago`
    : 'no live worker';
  return `${d.direction} sync ${d.active ? 'on' : 'off'} (generation ${d.generation}): ${workers}`;
}

/** `proxy-h-12-ab12 http://127.0.0.1:28080  catalog canary 5%, orders legacy  (read 0.3 s ago)` */
function proxyLine(p: ProxyStatus): string {
  const routes = Object.entries(p.routesBy)
    .map(([service, stage]) => `${service} ${stage}`)
    .join(', ');
  const read =
    p.stagesReadAgeMs === null
      ? 'never read from Unleash'
      : `read ${(p.stagesReadAgeMs / 1000).toFixed(1)} s ago`;
  return `${p.id} ${p.url ?? p.adminUrl}  ${routes || 'no services'}  (${read}; lease ${(p.leaseExpiresInMs / 1000).toFixed(1)} s left)`;
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);

export function renderStatus(report: StatusReport): string {
  const head = ['service', 'stage', 'sync lag', 'parity', 'compared', 'match', 'next', 'gates'];
  const rows = report.services.map((s) => [
    s.name,
    s.stage === 'canary' ? `canary ${s.percent}%` : s.stage,
    s.syncLagMs === null ? 'unknown' : `${Math.round(s.syncLagMs)} ms`,
    s.parity
      ? `${s.parity.clean ? 'clean' : 'DIFFERS'} ${s.parity.verifiedAt.slice(0, 16).replace('T', ' ')}`
      : 'never verified',
    String(s.comparisons),
    pct(s.matchRate),
    s.next ? (s.next.stage === 'canary' ? 'canary' : s.next.stage) : '–',
    s.gates ? (s.gates.ok ? 'hold' : `${s.gates.results.filter((r) => !r.ok).length} fail`) : '–',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];
  for (const s of report.services) {
    if (s.gates) out.push(`${s.name} -> ${s.next!.stage}:`, formatGates(s.gates.results));
    if (s.rollout)
      out.push(
        `  latest rollout #${s.rollout.id} (${s.rollout.steps.join(',')}%): ${s.rollout.status}${s.rollout.reason ? ` — ${s.rollout.reason}` : ''}`,
      );
    for (const d of s.sync) out.push(`  ${syncLine(d)}`);
    for (const c of s.copies) out.push(`  ${formatCopyProgress(c)}`);
    if (s.repair)
      out.push(
        `  latest repair #${s.repair.id} ${s.repair.at.slice(0, 16).replace('T', ' ')} by ${s.repair.actor} (${s.repair.direction}): ${s.repair.copied} re-copied, ${s.repair.deleted} deleted, ${s.repair.cleanAfter ? 'clean after' : 'NOT clean after'}`,
      );
    for (const c of s.schemaChanges)
      out.push(
        `  schema change (${c.direction}): ${c.description} at ${c.position}${c.lsn ? ` LSN ${c.lsn}` : ''}, first seen ${c.firstSeenAt.slice(0, 19).replace('T', ' ')}: ${c.breaking ? 'sync of the table PAUSED' : 'not mapped, the sync goes on'}`,
      );
    if (s.cutover)
      out.push(
        `  INTERRUPTED write cut-over #${s.cutover.id} ${s.cutover.from} -> ${s.cutover.to.stage} by ${s.cutover.actor} (started ${s.cutover.startedAt.slice(0, 16).replace('T', ' ')}), died at "${s.cutover.step}" ${s.cutover.flipped ? 'after' : 'before'} the flip: the next \`ficus stage ${s.name} …\` ${s.cutover.flipped ? 'finishes' : 'undoes'} it first`,
      );
    for (const note of s.notes) out.push(`  note: ${note}`);
  }
  out.push('', `proxies: ${report.proxies.length} live`);
  for (const p of report.proxies) out.push(`  ${proxyLine(p)}`);
  out.push('', 'stage history:');
  if (!report.history.length) out.push('  (no stage changes recorded)');
  for (const h of report.history) {
    out.push(
      `  ${h.at.slice(0, 19).replace('T', ' ')}  ${h.service}: ${h.from} -> ${h.to}  by ${h.actor}${h.forced ? ' (FORCED)' : ''}${h.reason ? `  "${h.reason}"` : ''}`,
    );
  }
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('status')
    .option(
      '--json',
      'machine-readable output (stable): { services: [{ name, stage, percent, syncLagMs, parity, matchRate, ... }], history }',
    )
    .option('--history <n>', 'how many stage changes to list', '20')
    .description(
      'every service: stage, gates of the next stage, sync lag, parity, match rate; and the stage history',
    )
    .action(async (options: { json?: boolean; history: string }) => {
      const config = loadConfig();
      const plan = loadPlan(config.planFile);
      await preflight(config, ['kit', 'unleash']);
      const kitDb = openKitDb(config.kit.database.url, 2);
      const unleash = configuredUnleashAdmin();
      const lags = openSyncLag(plan);
      try {
        const report = await serviceStatus({
          plan,
          kitDb,
          unleash,
          syncLag: (s) => lags.forService(s, 5_000),
          historyLimit: Math.max(1, Number(options.history) || 20),
        });
        process.stdout.write(
          options.json ? JSON.stringify(report, null, 2) + '\n' : renderStatus(report),
        );
      } finally {
        await lags.close();
        await kitDb.destroy();
      }
    });
}
