/**
 * The hook `ficus stage` consults before it moves a service: the gates of the plan (samples,
 * match rate, parity, lag, errors, latency) belong to the rollout work, which plugs its check in
 * here. Until it does, there are no gates and every move is allowed, and the answer says so.
 */
import type { Stage } from '../routing/stages.ts';

export type GateCheck = {
  /** may the service move to the target stage? */
  ok: boolean;
  /** what was checked, with values, stored with the stage change */
  results: { gate: string; ok: boolean; value: string; threshold: string }[];
  /** a sentence for the operator */
  summary: string;
};

export async function checkGates(service: string, targetStage: Stage): Promise<GateCheck> {
  return { ok: true, results: [], summary: `no gates configured for ${service} -> ${targetStage}` };
}
