/**
 * The stages of DESIGN.md's stage table and a service's place in it: the vocabulary the proxy
 * (which routes by it) and the control plane (which moves services through it) share. Pure.
 */
export const STAGES = ['legacy', 'shadow', 'canary', 'live', 'complete'] as const;
export type Stage = (typeof STAGES)[number];

export type StageState = {
  stage: Stage;
  /** share of users served by the service, 0..100 (meaningful in `canary`) */
  percent: number;
};

/** What nothing-known means: everything to the monolith. */
export const LEGACY: StageState = Object.freeze({ stage: 'legacy', percent: 0 });

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** The share of users the service serves at a stage (the rollout percentage in Unleash). */
export function servedPercent(state: StageState): number {
  if (state.stage === 'canary') return state.percent;
  return state.stage === 'live' || state.stage === 'complete' ? 100 : 0;
}

/** Whether the service owns the writes at `stage` (the write cut-over moves them there). */
export const writesAtService = (stage: string) => stage === 'live' || stage === 'complete';
