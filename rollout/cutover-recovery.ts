/**
 * The next command after a cut-over whose process died (its journal's lease lapsed,
 * cutover-journal.ts) finishes or undoes it before anything else: before the flip, every step it
 * journaled as done is undone in reverse order (cutover-undo.ts), so the monolith keeps its writes
 * and no connector, slot, hold or fence it made is left; after the flip, the move stands and what
 * was left to do is done: the hold released, the fence made permanent (cut-over) or the drained
 * reverse sync switched off (rollback).
 */
import type { Knex } from 'knex';
import { errorMessage, FicusError } from '../lib/errors.ts';
import { createKnex } from '../lib/database.ts';
import { loadConfig, type FicusConfig } from '../lib/config/index.ts';
import type { Progress } from '../lib/progress.ts';
import type { Plan } from '../plan/plan-types.ts';
import { syncFleetStore } from '../cdc/fleet/sync-fleet-store.ts';
import { cutoverJournal, flipHappened, type JournalEntry } from './cutover-journal.ts';
import { switchSync, undoSteps, type CutoverScope } from './cutover-undo.ts';
import { makeFencePermanent } from './legacy-fence.ts';
import { releaseFleetWrites } from './fleet-hold.ts';
import type { ProxyFleet } from './proxy-fleet-client.ts';
import type { UnleashAdmin } from './unleash-admin.ts';
import { writesAtService } from '../plan/stages.ts';
import { fenceScope, removeFence } from './legacy-fence.ts';

export type RecoveryDeps = {
  plan: Plan;
  kitDb: Knex;
  proxies: ProxyFleet;
  /** where the stage is: the flip happened if Unleash has the writes where the cut-over moved them */
  unleash: Pick<UnleashAdmin, 'readStage'>;
  progress: Progress;
  actor: string;
  config?: FicusConfig;
  /** how long the sync workers may take to acknowledge a direction switched back or off */
  ackTimeoutMs?: number;
};

export type Recovered = { id: number; step: string; outcome: 'undone' | 'finished' };

class RecoveryFailed extends FicusError {
  constructor(entry: JournalEntry, what: string, cause: unknown) {
    super(
      'cutover_recovery_failed',
      `could not ${what} the interrupted write cut-over #${entry.id} of ${entry.service} (died at "${entry.step}"): ${errorMessage(cause)}; it stays interrupted, run the command again`,
      { cause },
    );
  }
}

const describe = (e: JournalEntry) =>
  `interrupted write cut-over #${e.id} of ${e.service} (${e.from} -> ${e.to.stage}, by ${e.actor}, started ${e.startedAt}) died at "${e.step}" ${e.flipped ? 'after' : 'before'} the flip`;

async function undoInterrupted(scope: CutoverScope, entry: JournalEntry): Promise<void> {
  const undoOf = undoSteps(scope, () => entry.holdId);
  for (const step of [...entry.undo].reverse()) {
    try {
      await undoOf[step]();
    } catch (error) {
      throw new RecoveryFailed(entry, `undo "${step}" of`, error);
    }
    scope.progress.done(`undone: ${step}`);
  }
}

async function finishInterrupted(scope: CutoverScope, entry: JournalEntry): Promise<void> {
  const { proxies, service, progress } = scope;
  try {
    if (entry.holdId)
      await releaseFleetWrites(proxies, { holdId: entry.holdId, service: service.name });
    progress.done(`${service.name}: writes released`);
    if (writesAtService(entry.to.stage)) {
      await makeFencePermanent(scope.legacyKnex, service.name);
      progress.done(`${service.name}: legacy fence made permanent`);
    } else {
      await removeFence(scope.legacyKnex, fenceScope(scope.plan, service).tables);
      await switchSync(scope, 'reverse', false);
    }
  } catch (error) {
    throw new RecoveryFailed(entry, 'finish', error);
  }
}

/**
 * Finishes or undoes every interrupted cut-over of `service`, saying what it did; returns them
 * (none: nothing to do). Throws, leaving the journal as it was, if a part cannot be done.
 */
export async function resolveInterruptedCutovers(
  serviceName: string,
  deps: RecoveryDeps,
): Promise<Recovered[]> {
  const journal = cutoverJournal(deps.kitDb);
  const entries = await journal.interrupted(serviceName).catch((error: unknown) => {
    if ((error as { code?: string }).code === '42P01') return []; // no journal (before 0305)
    throw error;
  });
  const service = deps.plan.services.find((s) => s.name === serviceName);
  if (!entries.length || !service) return [];
  const config = deps.config ?? loadConfig();
  const legacyKnex = createKnex(config.legacy.database.url, { poolMax: 1 });
  const scope: CutoverScope = {
    config,
    plan: deps.plan,
    service,
    proxies: deps.proxies,
    fleet: syncFleetStore(deps.kitDb),
    legacyKnex,
    progress: deps.progress,
    actor: deps.actor,
    why: 'resolving an interrupted write cut-over',
    ackTimeoutMs: deps.ackTimeoutMs,
  };
  const recovered: Recovered[] = [];
  try {
    for (const found of entries) {
      const entry = { ...found, flipped: await flipHappened(found, deps.unleash) };
      deps.progress.step(`${describe(entry)}: ${entry.flipped ? 'finishing' : 'undoing'} it first`);
      if (entry.flipped) await finishInterrupted(scope, entry);
      else await undoInterrupted(scope, entry);
      await journal.end(entry.id, entry.flipped ? 'done' : 'undone');
      recovered.push({
        id: entry.id,
        step: entry.step,
        outcome: entry.flipped ? 'finished' : 'undone',
      });
    }
    return recovered;
  } finally {
    await legacyKnex.destroy();
  }
}
