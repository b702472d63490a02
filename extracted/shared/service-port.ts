/**
 * A service's default port: the stack's `servicePortBase` plus the service's index in the plan
 * (catalog 18100, orders 18101 for the demo plan), so every program agrees without a registry.
 */
import { planFile, loadPlan } from '../../plan/load-plan.ts';
import { ConfigError } from '../../lib/errors.ts';
import type { StackConfig } from '../../stack/stack-config.ts';

export function servicePort(
  stack: StackConfig,
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const plan = loadPlan(planFile(env));
  const index = plan.services.findIndex((s) => s.name === service);
  if (index < 0)
    throw new ConfigError(
      `${plan.file}: no service "${service}" in the plan, so it has no default port`,
    );
  return stack.ports.servicePortBase + index;
}
