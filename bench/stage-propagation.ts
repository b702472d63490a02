/**
 * How long a stage change takes to reach a fleet of proxies: three real proxies (in-process, each
 * registered in a scratch kit DB, polling the stack's Unleash every `--refresh-ms`, 1000 like the
 * stack's), and repeated stage changes through `changeStage`, the code path of `ficus stage`. Each
 * round makes two changes: one pushed (ficus tells each proxy the stage to expect, and the proxy
 * re-fetches until it sees it) and one left to the Unleash client's polling alone. Prints each
 * round's times from the change to the last proxy routing by it and its ratio push/polling, then
 * the median and max of each and their ratios.
 *
 *   node_modules/.bin/node bench/stage-propagation.ts [--changes 10] [--refresh-ms 1000]
 *   (`--changes`: rounds; with FICUS_HOME pointing at a running stack)
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
const refreshMs = Number(values['refresh-ms']);
// polling alone needs up to a polling interval plus Unleash's own second: wait well past both
const deps = {
  services: [service],
  unleash,
  kitDb: kit.knex,
  fleet,
  propagationTimeoutMs: 2 * refreshMs + 5000,
};
const times: Record<'push' | 'poll', number[]> = { push: [], poll: [] };
const ratio = (push: number, poll: number) => (push / poll).toFixed(2);
let percent = 0;
async function change(push: boolean): Promise<number> {
  const { propagation } = await changeStage(
    { service, stage: 'canary', percent: ++percent, actor: 'bench', force: true },
    { ...deps, push },
  );
  if (propagation!.lastMs === null)
    throw new Error(`canary ${percent}% did not reach every proxy (push: ${push})`);
  times[push ? 'push' : 'poll'].push(propagation!.lastMs);
  // a pause of up to a polling interval, so that a change does not ride on the previous one's poll
  await new Promise((r) => setTimeout(r, 300 + Math.random() * refreshMs));
  return propagation!.lastMs;
}
try {
  await changeStage({ service, stage: 'shadow', actor: 'bench', force: true }, deps);
  for (let round = 1; round <= changes; round++) {
    const push = await change(true);
    const poll = await change(false);
    process.stdout.write(
      `  round ${round}: push ${push} ms, polling alone ${poll} ms, push/polling ${ratio(push, poll)}\n`,
    );
  }
} finally {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(upstreams.map((u) => u.close()));
  await unleash.deleteFlag(service).catch(() => undefined);
  await kit.drop();
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
};
const max = (xs: number[]) => Math.max(...xs);
for (const mode of ['push', 'poll'] as const)
  process.stdout.write(
    `${mode === 'push' ? 'push          ' : 'polling alone '}: median ${median(times[mode])} ms, max ${max(times[mode])} ms (${changes} changes to 3 proxies, polling every ${refreshMs} ms)\n`,
  );
process.stdout.write(
  `push/polling: median ${ratio(median(times.push), median(times.poll))}, max ${ratio(max(times.push), max(times.poll))}\n`,
);
