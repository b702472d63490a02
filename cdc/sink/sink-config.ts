/**
 * Sink options from the embedded stack and the plan: every URL and port the worker needs, so the
 * CLI and the benchmarks agree. Environment variables read here: FICUS_SYNC_METRICS_PORT_BASE.
 */
import { ConfigError } from '../../lib/errors.ts';
import type { Direction } from '../../plan/mapping.ts';
import { findService, loadPlan } from '../../plan/load-plan.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { loadStackConfig, stackUrls } from '../../stack/stack-config.ts';
import { retryOptionsFromEnv } from '../../lib/retry.ts';
import type { SinkWorkerOptions } from './sink-worker.ts';

/** Metrics ports: 19400 + 2 × (service's index in the plan) + (0 forward, 1 reverse). */
export const SYNC_METRICS_PORT_BASE = 19400;

export function parseDirection(value: string): Direction {
  if (value !== 'forward' && value !== 'reverse')
    throw new ConfigError(`--direction must be forward or reverse, got "${value}"`);
  return value;
}

export function defaultMetricsPort(
  plan: Plan,
  service: string,
  direction: Direction,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env.FICUS_SYNC_METRICS_PORT_BASE;
  const base = raw ? Number(raw) : SYNC_METRICS_PORT_BASE;
  if (!Number.isInteger(base) || base < 1024 || base > 65000)
    throw new ConfigError(
      `environment variable FICUS_SYNC_METRICS_PORT_BASE must be a port, got "${raw}"`,
    );
  const index = plan.services.findIndex((s) => s.name === service);
  return base + 2 * Math.max(0, index) + (direction === 'reverse' ? 1 : 0);
}

export function sinkOptionsFromStack(input: {
  service: string;
  direction: Direction;
  plan?: Plan;
}): SinkWorkerOptions {
  const plan = input.plan ?? loadPlan();
  const service = findService(plan, input.service);
  const urls = stackUrls(loadStackConfig());
  return {
    service: service.name,
    direction: input.direction,
    plan,
    brokers: [urls.kafkaBootstrap],
    legacyUrl: urls.legacyAdmin(plan.legacy.database),
    serviceUrl: urls.servicesAdmin(service.database),
    retry: retryOptionsFromEnv(),
  };
}
