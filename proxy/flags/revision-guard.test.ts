import { admitRevision, noRevisionYet, STALE_ANSWER_WINDOW_MS } from './revision-guard.ts';

test('newer and equal revisions are applied', () => {
  const first = admitRevision(noRevisionYet(), 12, 1000);
  expect(first).toEqual({ newest: 12, appliedAt: 1000 });
  expect(admitRevision(first!, 12, 2000)).toEqual({ newest: 12, appliedAt: 2000 });
  expect(admitRevision(first!, 13, 2000)).toEqual({ newest: 13, appliedAt: 2000 });
});

test('an older answer arriving after a newer one (a poll under way at a push) is dropped', () => {
  const guard = { newest: 13, appliedAt: 1000 };
  expect(admitRevision(guard, 12, 1200)).toBeNull();
});

test('an older revision past the window is Unleash gone back, and is taken', () => {
  const guard = { newest: 500, appliedAt: 1000 };
  expect(admitRevision(guard, 17, 1000 + STALE_ANSWER_WINDOW_MS)).toEqual({
    newest: 17,
    appliedAt: 1000 + STALE_ANSWER_WINDOW_MS,
  });
});
