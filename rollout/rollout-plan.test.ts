import type { GateResult } from './gates.ts';
import {
  applyAction,
  initialState,
  judge,
  nextAction,
  parseSteps,
  resumeState,
  type Action,
  type Judgement,
  type RolloutState,
} from './rollout-plan.ts';

const timing = { intervalMs: 30_000, maxWaitMs: 60_000 };
const gate = (name: string, ok: boolean): GateResult => ({
  gate: name,
  ok,
  value: ok ? 'fine' : 'bad',
  threshold: 't',
});
const healthy: Judgement = { broken: [], pending: [] };
const mismatching: Judgement = { broken: [gate('match rate', false)], pending: [] };
const tooFew: Judgement = { broken: [], pending: [gate('comparisons', false)] };

/** Drives the machine like the runner: a check every `every` ms, carrying out each action. */
function drive(
  state: RolloutState,
  judgementAt: (now: number, s: RolloutState) => Judgement,
  every = 2_000,
  until = 1_000_000,
) {
  const actions: Action[] = [];
  for (let now = state.stepStartedAt; now <= until && state.status === 'running'; now += every) {
    const action = nextAction(state, judgementAt(now, state), now, timing);
    if (action.kind !== 'hold') actions.push(action);
    state = applyAction(state, action, now);
    if (action.kind === 'rollback') break;
  }
  return { state, actions };
}

test('advances through every step while the gates hold, then completes at 100', () => {
  const { state, actions } = drive(initialState([1, 5, 25, 100], 0), () => healthy);
  expect(actions.map((a) => (a.kind === 'advance' ? a.percent : a.kind))).toEqual([
    1,
    5,
    25,
    100,
    'complete',
  ]);
  expect(state).toMatchObject({ status: 'completed', current: 3, lastGood: 3 });
});

test('each step is held for a full interval before the next', () => {
  let state = applyAction(initialState([1, 100], 0), { kind: 'advance', to: 0, percent: 1 }, 0);
  expect(nextAction(state, healthy, 29_999, timing)).toEqual({ kind: 'hold', remainingMs: 1 });
  const action = nextAction(state, healthy, 30_000, timing);
  expect(action).toEqual({ kind: 'advance', to: 1, percent: 100 });
  state = applyAction(state, action, 30_000);
  expect(state).toMatchObject({ current: 1, lastGood: 0, stepStartedAt: 30_000 });
});

test('a gate that breaks mid-step rolls back to the last good step', () => {
  // healthy until 70 s (in the third step, 25%), then mismatches
  const { state, actions } = drive(initialState([1, 5, 25, 50, 100], 0), (now) =>
    now >= 70_000 ? mismatching : healthy,
  );
  const last = actions[actions.length - 1];
  expect(last).toMatchObject({
    kind: 'rollback',
    to: 1,
    percent: 5,
    broken: [{ gate: 'match rate' }],
  });
  expect(state).toMatchObject({ status: 'rolled-back', current: 1, lastGood: 1 });
});

test('when the first step breaks the rollout goes back to shadow', () => {
  const { state, actions } = drive(initialState([1, 5, 100], 0), (now) =>
    now >= 4_000 ? mismatching : healthy,
  );
  expect(actions.map((a) => a.kind)).toEqual(['advance', 'rollback']);
  expect(actions[1]).toMatchObject({ to: -1, percent: null });
  expect(state).toMatchObject({ status: 'rolled-back', current: -1 });
});

test('gates that fail before the first step are watched for the bounded wait, then refuse the rollout without moving', () => {
  const start = initialState([1, 100], 0);
  expect(nextAction(start, mismatching, 0, timing)).toMatchObject({ kind: 'wait-gates' });
  expect(nextAction(start, mismatching, 60_000, timing).kind).toBe('wait-gates');
  expect(nextAction(start, healthy, 30_000, timing).kind).toBe('advance');
  const action = nextAction(start, mismatching, 60_001, timing);
  expect(action.kind).toBe('refuse');
  expect(applyAction(start, action, 60_001).status).toBe('refused');
});

test('missing evidence waits, then stalls, but never rolls back', () => {
  const started = applyAction(initialState([1, 100], 0), { kind: 'advance', to: 0, percent: 1 }, 0);
  expect(nextAction(started, tooFew, 10_000, timing).kind).toBe('hold');
  expect(nextAction(started, tooFew, 40_000, timing).kind).toBe('wait-evidence');
  expect(nextAction(started, tooFew, 95_000, timing).kind).toBe('stall');
  expect(nextAction(initialState([1, 100], 0), tooFew, 1_000, timing).kind).toBe('wait-evidence');
});

test('resume continues from where the rollout was left, watching that step afresh', () => {
  const { state: rolledBack } = drive(initialState([1, 5, 25, 100], 0), (now) =>
    now >= 70_000 ? mismatching : healthy,
  );
  const resumed = resumeState(rolledBack, 500_000);
  expect(resumed).toMatchObject({
    status: 'running',
    current: 1,
    lastGood: 1,
    stepStartedAt: 500_000,
  });
  const { state, actions } = drive(resumed, () => healthy);
  expect(actions.map((a) => (a.kind === 'advance' ? a.percent : a.kind))).toEqual([
    25,
    100,
    'complete',
  ]);
  expect(state.status).toBe('completed');
});

test('a rollout rolled back to shadow resumes from the start', () => {
  const { state } = drive(initialState([1, 100], 0), (now) =>
    now >= 4_000 ? mismatching : healthy,
  );
  const resumed = resumeState(state, 100_000);
  expect(nextAction(resumed, healthy, 100_000, timing)).toEqual({
    kind: 'advance',
    to: 0,
    percent: 1,
  });
});

test('too few comparisons make the sample gates pending; parity and lag break regardless', () => {
  const results = [
    gate('comparisons', false),
    gate('match rate', false),
    gate('parity', true),
    gate('sync lag', false),
    gate('error rate', false),
  ];
  const few = judge(results, { comparisons: 3 }, { minComparisons: 50 });
  expect(few.broken.map((r) => r.gate)).toEqual(['sync lag']);
  expect(few.pending.map((r) => r.gate)).toEqual(['comparisons', 'match rate', 'error rate']);
  const enough = judge(results, { comparisons: 50 }, { minComparisons: 50 });
  expect(enough.broken.map((r) => r.gate)).toEqual([
    'comparisons',
    'match rate',
    'sync lag',
    'error rate',
  ]);
});

test('steps are whole rising percentages ending at 100', () => {
  expect(parseSteps('1, 5,25,50,100')).toEqual([1, 5, 25, 50, 100]);
  expect(() => parseSteps('5,1,100')).toThrow(/rise/);
  expect(() => parseSteps('1,5,50')).toThrow(/last step must be 100/);
  expect(() => parseSteps('0,100')).toThrow(/1 to 100/);
  expect(() => parseSteps('1,x,100')).toThrow(/whole percentages/);
});
