// `ficus stage` against real Unleash and a fresh kit DB: the flag is created and moved, every
// move is audited, refused moves change nothing.
import { jest } from '@jest/globals';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { uniqueService } from '../test-support/proxy-e2e-harness.ts';
import { changeStage, StageChangeRefused, validateStageChange } from './stage-change.ts';

jest.setTimeout(30_000);
const unleash = stackUnleashAdmin();
const service = uniqueService('stage');
let kit: TestDatabase;

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
});
afterAll(async () => {
  await unleash.deleteFlag(service);
  await kit?.drop();
});

it('creates the flag, moves the stage step by step, and records who, why and from -> to', async () => {
  const deps = { services: [service], unleash, kitDb: kit.knex };
  // a throwaway service has no verify and no sync: the gates (rollout/check-gates.ts) refuse, so force
  await expect(
    changeStage({ service, stage: 'shadow', actor: 'ana', why: 'start comparing' }, deps),
  ).rejects.toThrow(/gates do not allow/);
  await changeStage(
    { service, stage: 'shadow', actor: 'ana', why: 'start comparing', force: true },
    deps,
  );
  expect(await unleash.readStage(service)).toEqual({ stage: 'shadow', percent: 0 });
  await changeStage({ service, stage: 'canary', percent: 50, actor: 'ana', force: true }, deps);
  expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 50 });
  await expect(changeStage({ service, stage: 'complete', actor: 'bo' }, deps)).rejects.toThrow(
    /skips live/,
  );
  expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 50 });
  await changeStage({ service, stage: 'legacy', actor: 'bo', why: 'rollback' }, deps);
  const rows = await kit.knex('stage_history').where({ service }).orderBy('id');
  expect(
    rows.map((r) => [r.from_stage, r.to_stage, r.to_percent, r.actor, r.reason, r.forced]),
  ).toEqual([
    ['legacy', 'shadow', 0, 'ana', 'start comparing', true],
    ['shadow', 'canary', 50, 'ana', null, true],
    ['canary', 'legacy', 0, 'bo', 'rollback', false],
  ]);
  expect(rows[0].gates).toMatchObject({ ok: false, summary: expect.stringContaining('✗ parity') });
  expect(rows[2].gates).toMatchObject({
    ok: true,
    summary: expect.stringContaining('never gated'),
  });
});

it('validates the request before touching anything', () => {
  const at = { stage: 'legacy' as const, percent: 0 };
  expect(() =>
    validateStageChange({ service: 'x', stage: 'shadow', actor: 'a' }, ['catalog'], at),
  ).toThrow(/no service "x"/);
  expect(() =>
    validateStageChange({ service: 'catalog', stage: 'beta', actor: 'a' }, ['catalog'], at),
  ).toThrow(StageChangeRefused);
  expect(() =>
    validateStageChange(
      { service: 'catalog', stage: 'shadow', percent: 5, actor: 'a' },
      ['catalog'],
      at,
    ),
  ).toThrow(/only applies to canary/);
  expect(() =>
    validateStageChange(
      { service: 'catalog', stage: 'canary', percent: 101, actor: 'a' },
      ['catalog'],
      { stage: 'shadow', percent: 0 },
    ),
  ).toThrow(/0 to 100/);
  expect(
    validateStageChange(
      { service: 'catalog', stage: 'live', force: true, actor: 'a' },
      ['catalog'],
      at,
    ),
  ).toEqual({ stage: 'live', percent: 0 });
});
