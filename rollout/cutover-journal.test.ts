import type { StageState } from '../plan/stages.ts';
import { flipHappened, type JournalEntry } from './cutover-journal.ts';

const entry = (over: Partial<JournalEntry>): JournalEntry => ({
  id: 1,
  service: 'catalog',
  from: 'canary',
  to: { stage: 'live', percent: 0 },
  actor: 'test',
  startedAt: '2026-01-01T00:00:00.000Z',
  step: 'flip the stage',
  undo: [],
  holdId: null,
  flipped: false,
  state: 'interrupted',
  leaseExpiresAt: '2026-01-01T00:00:10.000Z',
  ...over,
});
const unleashAt = (stage: StageState) => ({ readStage: async () => stage });

test('a cut-over that died inside the flip step is judged by where Unleash has the writes', async () => {
  const live = unleashAt({ stage: 'live', percent: 0 });
  const canary = unleashAt({ stage: 'canary', percent: 50 });
  expect(await flipHappened(entry({}), live)).toBe(true);
  expect(await flipHappened(entry({}), canary)).toBe(false);
  // a rollback: flipped once the monolith has the writes again
  const rollback = entry({ from: 'live', to: { stage: 'canary', percent: 50 } });
  expect(await flipHappened(rollback, canary)).toBe(true);
  expect(await flipHappened(rollback, live)).toBe(false);
});

test('the journal decides before the flip step and once the flip is noted', async () => {
  const live = unleashAt({ stage: 'live', percent: 0 });
  expect(await flipHappened(entry({ step: 'drain the forward sync' }), live)).toBe(false);
  const canary = unleashAt({ stage: 'canary', percent: 50 });
  expect(await flipHappened(entry({ step: 'release the writes', flipped: true }), canary)).toBe(
    true,
  );
});
