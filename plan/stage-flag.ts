/**
 * How a service's stage is kept in Unleash, one feature flag per service, `ficus.<service>`:
 * - its strategy in the environment is a `flexibleRollout` (stickiness `userId`, groupId = the
 *   flag name) whose `rollout` is the share of users the service serves (canary percentage);
 * - that strategy carries one strategy variant named after the stage, with a JSON payload
 *   `{ "stage": "...", "percent": N }`, so every proxy reads the stage from the flag definition;
 * - the flag switched off in the environment means `legacy` (the kill switch in Unleash's UI).
 * Pure; `ficus stage` writes this shape, the proxy reads it.
 */
import { isStage, LEGACY, servedPercent, type StageState } from './stages.ts';

export const FLAG_PREFIX = 'ficus.';
export const flagName = (service: string) => `${FLAG_PREFIX}${service}`;

/** The part of a client-side flag definition this reads (unleash-client's FeatureInterface). */
export type FlagDefinition = {
  name: string;
  enabled: boolean;
  strategies?: {
    name: string;
    parameters?: Record<string, unknown>;
    variants?: { name: string; payload?: { type: string; value: string } }[];
  }[];
};

/** The strategy `ficus stage` puts on the flag (admin API `createFeatureStrategySchema`). */
export function stageStrategy(service: string, state: StageState) {
  const name = flagName(service);
  return {
    name: 'flexibleRollout',
    title: `ficus stage: ${state.stage}`,
    constraints: [],
    parameters: { rollout: String(servedPercent(state)), stickiness: 'userId', groupId: name },
    variants: [
      {
        name: state.stage,
        weight: 1000,
        weightType: 'variable',
        stickiness: 'userId',
        payload: {
          type: 'json',
          value: JSON.stringify({ stage: state.stage, percent: state.percent }),
        },
      },
    ],
  };
}

/** The stage a flag definition says, or LEGACY when it says nothing usable. */
export function decodeStage(definition: FlagDefinition | undefined): StageState {
  if (!definition || !definition.enabled) return LEGACY;
  const strategy = definition.strategies?.find((s) => s.name === 'flexibleRollout');
  const variant = strategy?.variants?.find((v) => isStage(v.name));
  if (!strategy || !variant || !isStage(variant.name)) return LEGACY;
  // The rollout parameter is the truth about who is served (someone may move it in the UI).
  const rollout = Number(strategy.parameters?.rollout);
  const percent = Number.isFinite(rollout) ? Math.min(100, Math.max(0, rollout)) : 0;
  return {
    stage: variant.name,
    percent: variant.name === 'canary' ? percent : servedPercent({ stage: variant.name, percent }),
  };
}
