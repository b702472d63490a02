/**
 * Before the e2e suites: reuse a running embedded stack, or start one and leave a marker so that
 * the teardown stops exactly what the tests started. The marker names the test run (the jest
 * process, which runs both the setup and the teardown): a run that found the stack running never
 * stops it, even when another run beside it started it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createProgress } from '../lib/progress.ts';
import { stackStatus, stackUp } from '../stack/stack.ts';
import { loadStackConfig } from '../stack/stack-config.ts';

export const startedByTestsMarker = () => path.join(loadStackConfig().runDir, 'started-by-tests');

/**
 * What the e2e suites need of the stack. Its apps (monolith, services, sync workers, proxy) are
 * listed too once started, and show `stopped` after they exit; that must not make the tests take
 * the stack for theirs, or the teardown would stop the infrastructure everyone else uses.
 */
const INFRASTRUCTURE = ['legacy-postgres', 'services-postgres', 'kafka', 'connect', 'unleash'];

export default async function globalSetup(): Promise<void> {
  const { components } = await stackStatus();
  const state = (name: string) => (components as Record<string, { state: string }>)[name]?.state;
  if (INFRASTRUCTURE.every((name) => state(name) === 'running')) return;
  process.stderr.write('\ne2e: no embedded stack running; starting one for the tests\n');
  await stackUp(createProgress());
  fs.mkdirSync(path.dirname(startedByTestsMarker()), { recursive: true });
  fs.writeFileSync(startedByTestsMarker(), String(process.pid));
}
