/**
 * How long a stage change takes to reach a fleet of proxies: three real proxies (in-process, each
 * registered in a scratch kit DB, polling the stack's Unleash every `--refresh-ms`, 1000 like the
 * stack's), and repeated stage changes through `changeStage`, the code path of `ficus stage`:
 * with push (ficus tells each proxy to read the flags now) against the Unleash client's polling
 * alone, alternating, in the same run. Prints p50 and max from each change to the last proxy
 * routing by it, and the ratio.
 *
 *   source /work/notes/alt.env   # or any running stack
 *   node_modules/.bin/node bench/stage-propagation.ts [--changes 10] [--refresh-ms 1000]
 */
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test-support/databases.ts';
import {
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  uniqueService,
} from '../test-support/proxy-e2e-harness.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { proxyFleet } from '../rollout/proxy-fleet-client.ts';
import { changeStage } from '../rollout/stage-change.ts';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '10' },
    'refresh-ms': { type: 'string', default: '1000' },
  },
});
const changes = Number(values.changes);
const service = uniqueService('bench');
const plan = testPlan(service);
const unleash = stackUnleashAdmin();
const kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
const upstreams = [
  await startUpstream(productHandler('monolith')),
  await startUpstream(productHandler(service)),
];
const proxies = [];
for (let i = 0; i < 3; i++) {
  const p = await startProxy(
    plan,
    { monolith: upstreams[0].url, service: upstreams[1].url },
    { FICUS_UNLEASH_REFRESH_MS: values['refresh-ms']! },
    { kitDb: kit.knex },
  );
  await p.proxy.join(p.adminUrl);
  proxies.push(p);
}
const fleet = proxyFleet({ kitDb: kit.knex, token: 'test-admin-token', fallbackUrl: '' });
const deps = { services: [service], unleash, kitDb: kit.knex, fleet };
const times: Record<'push' | 'poll', number[]> = { push: [], poll: [] };
try {
  await changeStage({ service, stage: 'shadow', actor: 'bench', force: true }, deps);
  for (let i = 0; i < changes * 2; i++) {
    const push = i % 2 === 0;
    const change = await changeStage(
      { service, stage: 'canary', percent: i + 1, actor: 'bench', force: true },
      { ...deps, push },
    );
    const p = change.propagation!;
    if (p.lastMs === null) throw new Error(`change ${i} did not reach every proxy`);
    times[push ? 'push' : 'poll'].push(p.lastMs);
    process.stdout.write(`  canary ${i + 1}%: ${push ? 'push' : 'poll'} ${p.lastMs} ms\n`);
    // a pause of a polling interval or so, so that changes do not ride on the previous one's poll
    await new Promise((r) => setTimeout(r, 300 + Math.random() * Number(values['refresh-ms'])));
  }
} finally {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(upstreams.map((u) => u.close()));
  await unleash.deleteFlag(service).catch(() => undefined);
  await kit.drop();
}
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const max = (xs: number[]) => Math.max(...xs);
for (const mode of ['push', 'poll'] as const)
  process.stdout.write(
    `${mode === 'push' ? 'push + polling' : 'polling alone '}: p50 ${p50(times[mode])} ms, max ${max(times[mode])} ms (${times[mode].length} changes, 3 proxies, refresh ${values['refresh-ms']} ms)\n`,
  );
process.stdout.write(
  `polling alone / push: p50 ${(p50(times.poll) / p50(times.push)).toFixed(1)}x, max ${(max(times.poll) / max(times.push)).toFixed(1)}x\n`,
);
