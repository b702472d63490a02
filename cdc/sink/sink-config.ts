/**
 * Sink options from the configuration and the plan: every URL and port the worker needs, so the
 * CLI and the benchmarks agree. Environment variables read here: FICUS_SYNC_METRICS_PORT_BASE.
 */
import { ConfigError } from '../../lib/errors.ts';
import type { Direction } from '../../plan/mapping.ts';
import { findService, loadPlan } from '../../plan/load-plan.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { loadConfig, serviceConfig, type FicusConfig } from '../../lib/config/index.ts';
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

/**
 * The worker writes the service's database as the service's own role (forward) and the legacy
 * database as ficus's role there (reverse): each can write only its own target.
 */
export function sinkOptions(input: {
  service: string;
  direction: Direction;
  plan?: Plan;
  config?: FicusConfig;
}): SinkWorkerOptions {
  const config = input.config ?? loadConfig();
  const plan = input.plan ?? loadPlan(config.planFile);
  const service = findService(plan, input.service);
  return {
    service: service.name,
    direction: input.direction,
    plan,
    brokers: config.kafka.brokers,
    legacyUrl: config.legacy.database.url,
    serviceUrl: serviceConfig(config, service.name).database.url,
    retry: retryOptionsFromEnv(),
  };
}
