import { newClusterId } from './kafka-broker.ts';

test('cluster ids are 22 base64url characters and never start with a dash', () => {
  // 1 in 64 random ids starts with '-': 4,000 draws meet dozens of them
  const ids = Array.from({ length: 4000 }, newClusterId);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  expect(new Set(ids).size).toBe(ids.length);
});
