/**
 * Saved rollouts in the kit DB (`rollouts`, migrations/kit/0201_rollouts.ts): written after every
 * state change, so that a stopped, crashed or rolled-back rollout can be resumed and
 * `ficus status` can say how each one ended.
 */
import type { Knex } from 'knex';
import type { GateResult } from './gates.ts';
import type { RolloutState, RolloutStatus } from './rollout-plan.ts';

export const ROLLOUTS_TABLE = 'rollouts';

export type SavedRollout = RolloutState & {
  id: number;
  service: string;
  intervalMs: number;
  startedAt: Date;
  updatedAt: Date;
  reason: string | null;
  gates: GateResult[];
};

type Row = {
  id: string;
  service: string;
  started_at: Date;
  updated_at: Date;
  steps: number[];
  interval_ms: number;
  status: RolloutStatus;
  current_step: number;
  last_good_step: number;
  reason: string | null;
  gates: GateResult[];
};

const fromRow = (r: Row): SavedRollout => ({
  id: Number(r.id),
  service: r.service,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  steps: r.steps,
  intervalMs: r.interval_ms,
  status: r.status,
  current: r.current_step,
  lastGood: r.last_good_step,
  stepStartedAt: r.updated_at.getTime(),
  reason: r.reason,
  gates: r.gates,
});

export function rolloutStore(db: Knex) {
  return {
    async create(service: string, state: RolloutState, intervalMs: number): Promise<number> {
      const [row] = await db(ROLLOUTS_TABLE)
        .insert({
          service,
          steps: state.steps,
          interval_ms: intervalMs,
          status: state.status,
          current_step: state.current,
          last_good_step: state.lastGood,
        })
        .returning('id');
      return Number((row as { id: string }).id);
    },

    async save(
      id: number,
      state: RolloutState,
      ended?: { reason: string; gates?: GateResult[] },
    ): Promise<void> {
      await db(ROLLOUTS_TABLE)
        .where({ id })
        .update({
          status: state.status,
          current_step: state.current,
          last_good_step: state.lastGood,
          updated_at: db.fn.now(),
          ...(ended ? { reason: ended.reason, gates: JSON.stringify(ended.gates ?? []) } : {}),
        });
    },

    /** the newest rollout of the service, whatever its status */
    async latest(service: string): Promise<SavedRollout | undefined> {
      const row = await db<Row>(ROLLOUTS_TABLE).where({ service }).orderBy('id', 'desc').first();
      return row ? fromRow(row) : undefined;
    },

    /** the newest rollout of every service */
    async latestPerService(): Promise<SavedRollout[]> {
      const { rows } = await db.raw<{ rows: Row[] }>(
        `SELECT DISTINCT ON (service) * FROM ${ROLLOUTS_TABLE} ORDER BY service, id DESC`,
      );
      return rows.map(fromRow);
    },
  };
}

export type RolloutStore = ReturnType<typeof rolloutStore>;
