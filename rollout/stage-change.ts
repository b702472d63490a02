/**
 * Moving a service to another stage, as `ficus stage` does it: check the move (known service,
 * known stage, a percentage only for canary, no skipping forward without --force), ask the gates,
 * then set it in Unleash and record who, when, why, from -> to and the gate values in the kit DB,
 * in one transaction: a change Unleash refused leaves no audit row, an audit row that cannot be
 * written leaves Unleash untouched. Given the proxy fleet, it then waits until every live proxy
 * routes by the new stage (stage-propagation.ts) and says so in `propagation`.
 */
import type { Knex } from 'knex';
import { FicusError } from '../lib/errors.ts';
import { checkGates, type GateCheck, type GateContext } from './check-gates.ts';
import { UnknownServiceError } from '../plan/unknown-service-error.ts';
import { isStage, STAGES, type Stage, type StageState } from '../plan/stages.ts';
import type { UnleashAdmin } from './unleash-admin.ts';
import type { ProxyFleet } from './proxy-fleet-client.ts';
import { awaitPropagation, type Propagation } from './stage-propagation.ts';

export const STAGE_HISTORY_TABLE = 'stage_history';

export class StageChangeRefused extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('stage_change_refused', message, { status: 409, details });
  }
}

export type StageRequest = {
  service: string;
  stage: string;
  percent?: number;
  why?: string;
  force?: boolean;
  actor: string;
  /** how the gates judge this move (ficus rollout passes its thresholds and evidence window) */
  gateContext?: Omit<GateContext, 'from' | 'kitDb'>;
};

/** Validates a requested move; pure. Returns the target state. */
export function validateStageChange(
  request: StageRequest,
  services: string[],
  from: StageState,
): StageState {
  if (!services.includes(request.service)) throw new UnknownServiceError(request.service, services);
  if (!isStage(request.stage))
    throw new StageChangeRefused(`unknown stage "${request.stage}" (stages: ${STAGES.join(', ')})`);
  const stage: Stage = request.stage;
  if (
    request.percent !== undefined &&
    (!Number.isInteger(request.percent) || request.percent < 0 || request.percent > 100)
  ) {
    throw new StageChangeRefused(
      `--percent must be an integer from 0 to 100, got ${request.percent}`,
    );
  }
  if (request.percent !== undefined && stage !== 'canary')
    throw new StageChangeRefused(`--percent only applies to canary, not to ${stage}`);
  if (stage === 'canary' && request.percent === undefined)
    throw new StageChangeRefused(
      'canary needs --percent N (the share of users the service serves)',
    );
  const step = STAGES.indexOf(stage) - STAGES.indexOf(from.stage);
  if (step > 1 && !request.force) {
    throw new StageChangeRefused(
      `${request.service} is at ${from.stage}; going to ${stage} skips ${STAGES.slice(STAGES.indexOf(from.stage) + 1, STAGES.indexOf(stage)).join(', ')} (use --force to do it anyway)`,
    );
  }
  return { stage, percent: stage === 'canary' ? request.percent! : 0 };
}

export type StageChange = {
  service: string;
  from: StageState;
  to: StageState;
  actor: string;
  why?: string;
  forced: boolean;
  gates: GateCheck;
  /** how the change reached the proxies; absent when no fleet was given */
  propagation?: Propagation;
};

export type StageChangeDeps = {
  services: string[];
  unleash: UnleashAdmin;
  kitDb: Knex;
  /** the proxies to wait for (proxy-fleet-client.ts) */
  fleet?: ProxyFleet;
  /** tell each proxy to read the new stage now (default), or leave it to their polling */
  push?: boolean;
  propagationTimeoutMs?: number;
};

export async function changeStage(
  request: StageRequest,
  deps: StageChangeDeps,
): Promise<StageChange> {
  const from = await deps.unleash.readStage(request.service);
  const to = validateStageChange(request, deps.services, from);
  const gates = await checkGates(request.service, to, {
    ...request.gateContext,
    from,
    kitDb: deps.kitDb,
  });
  if (!gates.ok && !request.force)
    throw new StageChangeRefused(
      `gates do not allow ${request.service} -> ${to.stage}: ${gates.summary}`,
      { gates: gates.results },
    );
  const change: StageChange = {
    service: request.service,
    from,
    to,
    actor: request.actor,
    why: request.why,
    forced: Boolean(request.force),
    gates,
  };
  await deps.kitDb.transaction(async (trx) => {
    await trx(STAGE_HISTORY_TABLE).insert({
      service: change.service,
      from_stage: from.stage,
      from_percent: from.percent,
      to_stage: to.stage,
      to_percent: to.percent,
      actor: change.actor,
      reason: change.why ?? null,
      forced: change.forced,
      gates: JSON.stringify({ ok: gates.ok, summary: gates.summary, results: gates.results }),
    });
    await deps.unleash.setStage(request.service, to);
  });
  if (deps.fleet)
    change.propagation = await awaitPropagation(deps.fleet, request.service, to, {
      changedAt: Date.now(),
      push: deps.push,
      timeoutMs: deps.propagationTimeoutMs,
    });
  return change;
}
