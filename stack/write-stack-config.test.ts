import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/index.ts';
import { migrationsDirectory } from '../migrations/migrate-runner.ts';
import { legacyTarget } from '../migrations/migrate-sets.ts';
import { loadPlan, SHOP_PLAN_FILE } from '../plan/load-plan.ts';
import { loadStackConfig } from './stack-config.ts';
import { legacyAppUrl } from './stack-roles.ts';
import { STACK_SECRET_NAMES, stackSecret } from './stack-secrets.ts';
import { writeStackConfig } from './write-stack-config.ts';

describe("the stack's configuration", () => {
  it("names the example shop's migrations for `ficus migrate legacy`, as the monolith's role", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-home-'));
    const stack = loadStackConfig({ FICUS_HOME: home });
    const plan = loadPlan(SHOP_PLAN_FILE);
    for (const name of STACK_SECRET_NAMES) stackSecret(stack.stackDir, name);
    for (const service of plan.services) stackSecret(stack.stackDir, `service-${service.name}`);
    const file = writeStackConfig(stack, plan, SHOP_PLAN_FILE);
    const config = loadConfig({ file, env: {} });
    // the shop's schema into its database as the role that owns it, not as ficus's role there
    expect(legacyTarget(config)).toEqual({
      set: 'legacy',
      url: legacyAppUrl(stack, plan),
      directory: migrationsDirectory('legacy'),
    });
    expect(config.legacy.migrations?.database.user).toBe(plan.legacy.database);
    expect(config.legacy.database.user).not.toBe(plan.legacy.database);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
