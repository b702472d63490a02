/**
 * The cut-over's journal in the kit DB (`cutover_journal`, migrations/kit/0305): the running
 * cut-over records each step as it starts it, the steps an undo must revert once they are done,
 * the hold it took and whether the flip happened, and renews a lease while it runs. A `running`
 * row whose lease lapsed is a cut-over whose process died; it is marked `interrupted` when read,
 * and stays so until the next cut-over of its service finishes or undoes it (cutover-recovery.ts).
 */
import type { Knex } from 'knex';
import { FicusError } from '../lib/errors.ts';
import { DEFAULT_CUTOVER_LEASE_MS } from '../lib/config/index.ts';
import { writesAtService } from '../plan/stages.ts';
import type { UnleashAdmin } from './unleash-admin.ts';

/** How long a cut-over's journal row counts as alive without a renewal, unless `cutover.lease` says. */
export const CUTOVER_LEASE_MS = DEFAULT_CUTOVER_LEASE_MS;

/** The step that moves the stage in Unleash (cutover.ts). */
export const FLIP_STEP = 'flip the stage';

export type CutoverState = 'running' | 'done' | 'undone' | 'interrupted';

export type JournalEntry = {
  id: number;
  service: string;
  from: string;
  to: { stage: string; percent: number };
  actor: string;
  startedAt: string;
  step: string;
  undo: string[];
  holdId: string | null;
  flipped: boolean;
  state: CutoverState;
  leaseExpiresAt: string;
};

type Row = {
  id: string | number;
  service: string;
  from_stage: string;
  to_stage: string;
  to_percent: number;
  actor: string;
  started_at: Date;
  step: string;
  undo: string[];
  hold_id: string | null;
  flipped: boolean;
  state: CutoverState;
  lease_expires_at: Date;
};

const entryOf = (r: Row): JournalEntry => ({
  id: Number(r.id),
  service: r.service,
  from: r.from_stage,
  to: { stage: r.to_stage, percent: r.to_percent },
  actor: r.actor,
  startedAt: new Date(r.started_at).toISOString(),
  step: r.step,
  undo: r.undo,
  holdId: r.hold_id,
  flipped: r.flipped,
  state: r.state,
  leaseExpiresAt: new Date(r.lease_expires_at).toISOString(),
});

export class CutoverRunning extends FicusError {
  constructor(e: JournalEntry) {
    super(
      'cutover_running',
      `a write cut-over of ${e.service} to ${e.to.stage} by ${e.actor} is running since ${e.startedAt} (at "${e.step}"); wait for it to end`,
      { details: { id: e.id } },
    );
  }
}

/**
 * The running cut-over's lease lapsed (its process stalled past its bound, or lost the kit DB for
 * longer than the lease): the cut-over is no longer its own, the next command resolves it.
 */
export class CutoverLeaseLost extends FicusError {
  constructor(id: number, step: string) {
    super(
      'cutover_lease_lost',
      `the write cut-over #${id} lost its lease before "${step}" and stopped there, undoing nothing: it reads as interrupted, and the next \`ficus stage\` of the service finishes or undoes it`,
    );
  }
}

export type CutoverJournal = ReturnType<typeof cutoverJournal>;

export function cutoverJournal(kitDb: Knex, leaseMs = CUTOVER_LEASE_MS) {
  const lease = () => kitDb.raw(`now() + ? * interval '1 millisecond'`, [leaseMs]);
  const table = () => kitDb('cutover_journal'); // rows are read as Row (entryOf)

  /** Marks the service's running cut-overs whose lease lapsed as interrupted. */
  async function markLapsed(service?: string): Promise<void> {
    const q = table().where({ state: 'running' }).andWhere('lease_expires_at', '<', kitDb.fn.now());
    await (service ? q.andWhere({ service }) : q).update({
      state: 'interrupted',
      updated_at: kitDb.fn.now(),
    });
  }

  /** The cut-overs of `service` (or of all) that died and are not yet resolved, oldest first. */
  async function interrupted(service?: string): Promise<JournalEntry[]> {
    await markLapsed(service);
    const q = table().where({ state: 'interrupted' }).orderBy('id');
    return ((await (service ? q.andWhere({ service }) : q)) as Row[]).map(entryOf);
  }

  /** Opens the journal of a new cut-over; refused while another of the service runs. */
  async function begin(start: {
    service: string;
    from: string;
    to: { stage: string; percent: number };
    actor: string;
  }): Promise<number> {
    await markLapsed(start.service);
    const running = await table().where({ service: start.service, state: 'running' }).first();
    if (running) throw new CutoverRunning(entryOf(running as Row));
    const [row] = await table()
      .insert({
        service: start.service,
        from_stage: start.from,
        to_stage: start.to.stage,
        to_percent: start.to.percent,
        actor: start.actor,
        step: 'start',
        state: 'running',
        lease_expires_at: lease(),
      })
      .returning('id');
    return Number(row.id);
  }

  const update = (id: number, values: Partial<Record<keyof Row, unknown>>) =>
    table()
      .where({ id })
      .update({ ...values, lease_expires_at: lease(), updated_at: kitDb.fn.now() });
  /** Updates the row only while its lease holds: one that lapsed belongs to the next command. */
  const whileAlive = (id: number, values: Partial<Record<keyof Row, unknown>>) =>
    table()
      .where({ id, state: 'running' })
      .andWhere('lease_expires_at', '>', kitDb.fn.now())
      .update({ ...values, lease_expires_at: lease(), updated_at: kitDb.fn.now() });

  return {
    begin,
    interrupted,
    /** The step the cut-over starts now; refused (CutoverLeaseLost) once its lease lapsed. */
    step: async (id: number, step: string) => {
      if ((await whileAlive(id, { step })) === 0) throw new CutoverLeaseLost(id, step);
    },
    /** A step done that an undo must revert. */
    undoable: (id: number, step: string) =>
      update(id, { undo: kitDb.raw(`undo || ?::jsonb`, [JSON.stringify([step])]) }),
    holdTaken: (id: number, holdId: string) => update(id, { hold_id: holdId }),
    flipped: (id: number) => update(id, { flipped: true, undo: '[]' }),
    /** Renews the lease while it holds; false once it lapsed (it is never revived). */
    renew: async (id: number) => (await whileAlive(id, {})) > 0,
    end: (id: number, state: 'done' | 'undone') => update(id, { state }),
  };
}

/**
 * Renews the journal's lease (and whatever else `renew` renews) until stopped; a failed renewal
 * is reported, not fatal: the next one may succeed, and the lease bounds the damage if none does.
 */
export function keepRenewing(
  renew: () => Promise<unknown>,
  everyMs: number,
  onError: (error: unknown) => void,
): () => void {
  const timer = setInterval(() => void renew().catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Whether the interrupted cut-over flipped the stage. Its journal says so once the flip is noted;
 * one that died at the flip itself, after Unleash took the new stage and before the journal noted
 * it, is judged by where Unleash has the writes now: undoing a move Unleash already routes by
 * would take the fence off (or the reverse sync away from) writes the service owns.
 */
export async function flipHappened(
  entry: JournalEntry,
  unleash: Pick<UnleashAdmin, 'readStage'>,
): Promise<boolean> {
  if (entry.flipped) return true;
  if (entry.step !== FLIP_STEP) return false;
  const now = await unleash.readStage(entry.service);
  return writesAtService(now.stage) === writesAtService(entry.to.stage);
}
