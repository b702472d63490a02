/**
 * The rollout engine's decisions, pure: given where a rollout stands and how the gates judged the
 * latest evidence, what to do next. The I/O around it (evidence, Unleash, the kit DB, timers) is
 * rollout/run-rollout.ts; this file has no clock and no database, so every path is unit-tested.
 *
 * A rollout walks the canary steps (e.g. 1, 5, 25, 50, 100 percent). Each step is watched for
 * one interval, with the gates re-judged every few seconds on the evidence since the step began:
 * - a gate that breaks rolls back at once, to the last step that held a full interval (or to
 *   `shadow` when the first step breaks);
 * - a gate that cannot be judged yet (too few comparisons in the step so far) is *pending*, not
 *   broken: early in a step there is simply no evidence yet;
 * - when the interval is over and nothing is pending the rollout moves to the next step; with
 *   evidence still missing it waits, up to a bound, then stalls (no rollback: nothing broke);
 * - the last step held for one interval completes the rollout at canary 100.
 */
import type { GatePlan } from '../plan/plan-types.ts';
import { DEFAULT_GATES, type GateEvidence, type GateResult } from './gates.ts';

export type RolloutStatus =
  'running' | 'completed' | 'rolled-back' | 'stopped' | 'stalled' | 'refused';

export type RolloutState = {
  /** canary percentages, strictly ascending, the last one 100 */
  steps: number[];
  /** index of the step in effect; -1: not started (the service is still in shadow) */
  current: number;
  /** index of the last step that held a full interval; -1: none */
  lastGood: number;
  /** when the current step began (ms) */
  stepStartedAt: number;
  status: RolloutStatus;
};

export type Judgement = { broken: GateResult[]; pending: GateResult[] };

export type Action =
  | { kind: 'hold'; remainingMs: number }
  | { kind: 'wait-evidence'; pending: GateResult[] }
  | { kind: 'wait-gates'; broken: GateResult[] }
  | { kind: 'advance'; to: number; percent: number }
  | { kind: 'rollback'; to: number; percent: number | null; broken: GateResult[] }
  | { kind: 'refuse'; broken: GateResult[] }
  | { kind: 'stall'; pending: GateResult[] }
  | { kind: 'complete' };

export type Timing = {
  intervalMs: number;
  /** how long past the interval to wait for missing evidence (before the start: for the gates) */
  maxWaitMs: number;
};

/** Gates whose value means something only with enough comparisons behind it. */
const SAMPLE_GATES = new Set(['comparisons', 'match rate', 'error rate', 'p99 latency']);

/**
 * Splits failed gates into broken and pending. With fewer comparisons than the minimum, the
 * sample gates are pending (one mismatch in three requests is noise, not a defect); parity and
 * sync lag do not depend on traffic and break at once.
 */
export function judge(
  results: GateResult[],
  evidence: Pick<GateEvidence, 'comparisons'>,
  thresholds: GatePlan = {},
): Judgement {
  const min = thresholds.minComparisons ?? DEFAULT_GATES.minComparisons;
  const enough = evidence.comparisons >= min;
  const failed = results.filter((r) => !r.ok);
  const isPending = (r: GateResult) => !enough && SAMPLE_GATES.has(r.gate);
  return { broken: failed.filter((r) => !isPending(r)), pending: failed.filter(isPending) };
}

export function parseSteps(text: string): number[] {
  const steps = text.split(',').map((s) => Number(s.trim()));
  const bad = steps.find((n) => !Number.isInteger(n) || n < 1 || n > 100);
  if (bad !== undefined)
    throw new RangeError(`steps must be whole percentages from 1 to 100, got "${text}"`);
  if (steps.some((n, i) => i > 0 && n <= steps[i - 1]))
    throw new RangeError(`steps must rise strictly, got "${text}"`);
  if (steps[steps.length - 1] !== 100)
    throw new RangeError(
      `the last step must be 100 (the service serves everyone before the write cut-over), got "${text}"`,
    );
  return steps;
}

export function initialState(steps: number[], now: number): RolloutState {
  return { steps, current: -1, lastGood: -1, stepStartedAt: now, status: 'running' };
}

/** A saved rollout continued: from the step the service was left at, watched afresh. */
export function resumeState(saved: RolloutState, now: number): RolloutState {
  return { ...saved, stepStartedAt: now, status: 'running' };
}

export function nextAction(
  state: RolloutState,
  judgement: Judgement,
  now: number,
  timing: Timing,
): Action {
  const { broken, pending } = judgement;
  if (state.current < 0) {
    // Not started: the first step needs the gates to hold on the evidence from shadow. The
    // service serves nobody yet, so a gate that fails is watched for the same bounded wait as
    // missing evidence before the rollout is refused: one busy minute (in CI, monolith p99 55 ms
    // and the service's 87, beside a test restarting the service's database) must not end it.
    const waitedOut = now - state.stepStartedAt > timing.maxWaitMs;
    if (broken.length)
      return waitedOut ? { kind: 'refuse', broken } : { kind: 'wait-gates', broken };
    if (pending.length)
      return waitedOut ? { kind: 'stall', pending } : { kind: 'wait-evidence', pending };
    return { kind: 'advance', to: 0, percent: state.steps[0] };
  }
  if (broken.length)
    return {
      kind: 'rollback',
      to: state.lastGood,
      percent: state.lastGood >= 0 ? state.steps[state.lastGood] : null,
      broken,
    };
  const elapsed = now - state.stepStartedAt;
  if (elapsed < timing.intervalMs)
    return { kind: 'hold', remainingMs: timing.intervalMs - elapsed };
  if (state.current === state.steps.length - 1) return { kind: 'complete' };
  if (pending.length)
    return elapsed - timing.intervalMs > timing.maxWaitMs
      ? { kind: 'stall', pending }
      : { kind: 'wait-evidence', pending };
  return { kind: 'advance', to: state.current + 1, percent: state.steps[state.current + 1] };
}

/** The state after an action was carried out (advance/rollback: the stage change succeeded). */
export function applyAction(state: RolloutState, action: Action, now: number): RolloutState {
  switch (action.kind) {
    case 'advance':
      // the step being left held its full interval (or there was none: the start)
      return {
        ...state,
        lastGood: state.current >= 0 ? state.current : state.lastGood,
        current: action.to,
        stepStartedAt: now,
      };
    case 'rollback':
      return { ...state, current: action.to, stepStartedAt: now, status: 'rolled-back' };
    case 'complete':
      return { ...state, lastGood: state.current, status: 'completed' };
    case 'refuse':
      return { ...state, status: 'refused' };
    case 'stall':
      return { ...state, status: 'stalled' };
    default:
      return state;
  }
}
