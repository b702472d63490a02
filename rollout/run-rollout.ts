/**
 * `ficus rollout`'s I/O around the pure engine (rollout-plan.ts): every `checkEveryMs` it judges
 * the gates on the evidence since the current step began, carries out the engine's action, and
 * saves the state (rollout-store.ts). Every stage change goes through `changeStage`, the code
 * path of `ficus stage` (one Unleash writer, audited in stage_history as actor `ficus rollout`).
 * An abort signal (SIGINT/SIGTERM in the CLI) stops it cleanly at the current step.
 */
import type { Knex } from 'knex';
import { errorMessage, FicusError } from '../lib/errors.ts';
import { checkGates, thresholdsFor, type GateContext } from './check-gates.ts';
import { changeStage, StageChangeRefused } from './stage-change.ts';
import type { UnleashAdmin } from './unleash-admin.ts';
import type { StageState } from '../plan/stages.ts';
import type { Plan } from '../plan/plan-types.ts';
import { evidenceLine } from './evidence-line.ts';
import { formatGates, type GateResult } from './gates.ts';
import {
  applyAction,
  initialState,
  judge,
  nextAction,
  resumeState,
  type Action,
  type RolloutState,
  type RolloutStatus,
} from './rollout-plan.ts';
import { rolloutStore } from './rollout-store.ts';
import type { ProxyFleet } from './proxy-fleet-client.ts';
import { describePropagation } from './stage-propagation.ts';

export const ROLLOUT_ACTOR = 'ficus rollout';

export class RolloutError extends FicusError {
  constructor(message: string) {
    super('rollout_refused', message, { status: 409 });
  }
}

export type RolloutDeps = {
  kitDb: Knex;
  unleash: UnleashAdmin;
  plan: Plan;
  /** thresholds over the plan's and the sync lag probe */
  gateContext: Pick<GateContext, 'thresholds' | 'syncLag'>;
  out: (line: string) => void;
  /** the proxies each step waits for (every live one routing by the new share) */
  fleet?: ProxyFleet;
  signal?: AbortSignal;
  now?: () => number;
};

export type RolloutOptions = {
  service: string;
  steps: number[];
  intervalMs: number;
  checkEveryMs: number;
  maxWaitMs?: number;
  resume?: boolean;
};

export type RolloutOutcome = {
  id: number;
  status: RolloutStatus;
  state: RolloutState;
  reason: string;
  broken: GateResult[];
};

const label = (s: StageState) => (s.stage === 'canary' ? `canary ${s.percent}%` : s.stage);
const stageAt = (state: RolloutState): StageState =>
  state.current >= 0
    ? { stage: 'canary', percent: state.steps[state.current] }
    : { stage: 'shadow', percent: 0 };

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Where a new rollout starts: shadow (before the first step) or a canary share that is one of the steps. */
function startingState(
  from: StageState,
  steps: number[],
  now: number,
  service: string,
): RolloutState {
  if (from.stage === 'shadow') return initialState(steps, now);
  const at = steps.indexOf(from.percent);
  if (from.stage === 'canary' && at >= 0)
    return { ...initialState(steps, now), current: at, lastGood: at - 1 };
  throw new RolloutError(
    `${service} is at ${label(from)}; a rollout starts from shadow or from a canary share among its steps (${steps.join(', ')}). ` +
      (from.stage === 'legacy'
        ? `Start comparing first: ficus stage ${service} shadow`
        : 'Move it with ficus stage first.'),
  );
}

export async function runRollout(
  options: RolloutOptions,
  deps: RolloutDeps,
): Promise<RolloutOutcome> {
  const { service } = options;
  const now = deps.now ?? Date.now;
  const store = rolloutStore(deps.kitDb);
  const thresholds = thresholdsFor(deps.plan, service, deps.gateContext.thresholds);
  const timing = {
    intervalMs: options.intervalMs,
    maxWaitMs: options.maxWaitMs ?? 3 * options.intervalMs,
  };
  const services = deps.plan.services.map((s) => s.name);
  let id: number;
  let state: RolloutState;

  const move = async (to: StageState, why: string) => {
    const change = await changeStage(
      {
        service,
        stage: to.stage,
        percent: to.stage === 'canary' ? to.percent : undefined,
        actor: ROLLOUT_ACTOR,
        why,
        gateContext: { ...gateContext(), plan: deps.plan },
      },
      { services, unleash: deps.unleash, kitDb: deps.kitDb, fleet: deps.fleet },
    );
    if (change.propagation) deps.out(`proxies: ${describePropagation(change.propagation)}`);
  };
  // A step is judged on what happened since it began; before the first step, on shadow's evidence.
  const gateContext = (): Omit<GateContext, 'from' | 'kitDb'> => ({
    ...deps.gateContext,
    plan: deps.plan,
    window:
      state.current >= 0 ? { since: new Date(state.stepStartedAt), minWindowMs: 0 } : undefined,
  });

  if (options.resume) {
    const saved = await store.latest(service);
    if (!saved || saved.status === 'completed')
      throw new RolloutError(
        `no rollout of ${service} to resume${saved ? ` (#${saved.id} completed)` : ''}`,
      );
    id = saved.id;
    state = resumeState(saved, now());
    deps.out(
      `resuming rollout #${id} of ${service} at ${label(stageAt(state))} (steps ${state.steps.join(', ')}; was ${saved.status})`,
    );
    if (state.current >= 0) await move(stageAt(state), `rollout #${id} resumed`);
    state = { ...state, stepStartedAt: now() };
    await store.save(id, state);
  } else {
    state = startingState(await deps.unleash.readStage(service), options.steps, now(), service);
    id = await store.create(service, state, options.intervalMs);
    deps.out(
      `rollout #${id} of ${service}: steps ${options.steps.join(', ')}%, ${options.intervalMs / 1000}s each, checked every ${options.checkEveryMs / 1000}s`,
    );
  }

  const finish = async (reason: string, broken: GateResult[] = []): Promise<RolloutOutcome> => {
    await store.save(id, state, { reason, gates: broken });
    return { id, status: state.status, state, reason, broken };
  };

  for (;;) {
    if (deps.signal?.aborted) {
      state = { ...state, status: 'stopped' };
      deps.out(
        `stopped at ${label(stageAt(state))}; resume with: ficus rollout ${service} --resume`,
      );
      return finish(`stopped at ${label(stageAt(state))}`);
    }
    const actual = await deps.unleash.readStage(service);
    const expected = stageAt(state);
    if (actual.stage !== expected.stage || actual.percent !== expected.percent) {
      state = { ...state, status: 'stopped' };
      const reason = `${service} was moved outside the rollout (expected ${label(expected)}, Unleash says ${label(actual)})`;
      deps.out(reason);
      return finish(reason);
    }
    const target: StageState = {
      stage: 'canary',
      percent: state.steps[Math.min(state.current + 1, state.steps.length - 1)],
    };
    const check = await checkGates(service, target, { ...gateContext(), kitDb: deps.kitDb });
    const judgement = judge(check.results, check.evidence!, thresholds);
    const action: Action = nextAction(state, judgement, now(), timing);
    const elapsed =
      state.current >= 0
        ? `${((now() - state.stepStartedAt) / 1000).toFixed(0)}s/${options.intervalMs / 1000}s`
        : 'pre-check';
    deps.out(
      `[${label(expected).padEnd(11)} ${elapsed}] ${evidenceLine(check.evidence!)} -> ${describeAction(action)}`,
    );

    switch (action.kind) {
      case 'hold':
      case 'wait-evidence':
      case 'wait-gates':
        break;
      case 'advance':
        try {
          await move(
            { stage: 'canary', percent: action.percent },
            `rollout #${id}: step ${action.percent}%`,
          );
          state = applyAction(state, action, now());
          await store.save(id, state);
        } catch (error) {
          if (!(error instanceof StageChangeRefused)) throw error;
          deps.out(`  advance refused, waiting: ${errorMessage(error).split('\n')[0]}`);
        }
        break;
      case 'rollback': {
        const to: StageState =
          action.percent === null
            ? { stage: 'shadow', percent: 0 }
            : { stage: 'canary', percent: action.percent };
        const what = action.broken
          .map((r) => `${r.gate} ${r.value} (needs ${r.threshold})`)
          .join('; ');
        const reason = `rollout #${id}: ${what} at ${label(expected)}; rolled back to ${label(to)}`;
        await move(to, reason);
        state = applyAction(state, action, now());
        deps.out(
          `gate broke at ${label(expected)}, rolled back to ${label(to)}:\n${formatGates(check.results)}`,
        );
        return finish(reason, action.broken);
      }
      case 'refuse':
      case 'stall': {
        state = applyAction(state, action, now());
        const gates = action.kind === 'refuse' ? action.broken : action.pending;
        const reason =
          action.kind === 'refuse'
            ? `gates do not allow the first step of ${service}`
            : `not enough evidence to leave ${label(expected)} in time`;
        deps.out(`${reason}:\n${formatGates(check.results)}`);
        return finish(reason, gates);
      }
      case 'complete':
        state = applyAction(state, action, now());
        deps.out(
          `${service} held canary 100% for ${options.intervalMs / 1000}s: rollout complete. Next: the write cut-over, ficus stage ${service} live`,
        );
        return finish('completed at canary 100%');
    }
    await abortableSleep(options.checkEveryMs, deps.signal);
  }
}

function describeAction(action: Action): string {
  switch (action.kind) {
    case 'hold':
      return 'holding';
    case 'wait-evidence':
      return `waiting for evidence (${action.pending.map((r) => `${r.gate} ${r.value}`).join(', ')})`;
    case 'wait-gates':
      return `waiting for the gates to hold (${action.broken.map((r) => `${r.gate} ${r.value}`).join(', ')})`;
    case 'advance':
      return `advance to ${action.percent}%`;
    case 'rollback':
      return `BROKEN: ${action.broken.map((r) => r.gate).join(', ')}`;
    default:
      return action.kind;
  }
}
