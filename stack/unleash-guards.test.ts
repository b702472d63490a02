// The guard against the real db-migrate listener Unleash's start-up leaves behind, in a child
// process: an unhandled rejection there must be logged and the process must go on.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './stack-config.ts';

/** a child that installs the guard, then what Unleash's migrations leave, then fails a task */
function runChild(dropOthers: boolean) {
  const script = `
    import { createRequire } from 'node:module';
    import { keepServingThroughRejections } from ${JSON.stringify(path.join(REPO_ROOT, 'stack', 'unleash-guards.ts'))};
    const guards = keepServingThroughRejections();
    const require = createRequire(${JSON.stringify(path.join(REPO_ROOT, 'package.json'))});
    require('db-migrate/lib/commands/helper/register-events.js')();
    ${dropOthers ? 'guards.dropOtherListeners();' : ''}
    Promise.reject(new Error('lifecycle row for a deleted flag'));
    setTimeout(() => console.log('still serving'), 200);
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('db-migrate, as Unleash leaves it after start-up, ends the process on a failed background task', () => {
  const child = runChild(false);
  expect(child.status).toBe(1);
  expect(child.stdout).not.toContain('still serving');
  expect(child.stderr).toContain('[ERROR]');
});

test('with the other listeners dropped, the failure is logged and Unleash keeps serving', () => {
  const child = runChild(true);
  expect(child.status).toBe(0);
  expect(child.stdout).toContain('still serving');
  expect(child.stderr).toContain('unleash-server: a background task failed (kept running)');
  expect(child.stderr).toContain('lifecycle row for a deleted flag');
  expect(child.stderr).not.toContain('[ERROR]');
});
