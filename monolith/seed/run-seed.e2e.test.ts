import { createTestDatabase, type TestDatabase } from '../../test-support/databases.ts';
import { runSeed } from './run-seed.ts';
import { shopChecksums } from './table-checksum.ts';

const SCALE = 0.02;
let first: TestDatabase;
let second: TestDatabase;

beforeAll(async () => {
  [first, second] = await Promise.all([
    createTestDatabase({ cluster: 'legacy', template: 'legacy' }),
    createTestDatabase({ cluster: 'legacy', template: 'legacy' }),
  ]);
});
afterAll(async () => {
  await Promise.all([first?.drop(), second?.drop()]);
});

describe('ficus seed', () => {
  it('writes identical data into two fresh databases', async () => {
    const [a, b] = await Promise.all([
      runSeed(first.knex, { scale: SCALE }),
      runSeed(second.knex, { scale: SCALE }),
    ]);
    expect(a.rows).toEqual(b.rows);
    expect(a.rows).toMatchObject({
      products: 200,
      customers: 100,
      orders: 1000,
      inventory: 200,
      payments: 1000,
    });
    const sums = await shopChecksums(first.knex);
    expect(await shopChecksums(second.knex)).toEqual(sums);
    expect(new Set(Object.values(sums)).size).toBe(6);
  });

  it('refuses non-empty tables, and with reset writes the same data again', async () => {
    const before = await shopChecksums(first.knex);
    await first.knex('customers').update({ name: 'changed' }).where({ id: 1 });
    await expect(runSeed(first.knex, { scale: SCALE })).rejects.toThrow(/not empty.*--reset/);
    await runSeed(first.knex, { scale: SCALE, reset: true });
    expect(await shopChecksums(first.knex)).toEqual(before);
  });

  it('moves the id sequences past the seeded rows', async () => {
    const [{ id }] = await first
      .knex('customers')
      .insert({ name: 'New', email: 'new@example.com' })
      .returning('id');
    expect(Number(id)).toBe(101);
  });
});
