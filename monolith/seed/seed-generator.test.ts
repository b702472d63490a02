import { createRandom } from '../../lib/seeded-random.ts';
import { generateShop, seedCounts } from './seed-generator.ts';

const byTable = (scale: number) =>
  Object.fromEntries(generateShop(scale).map((t) => [t.table, t.rows]));

describe('seed generator', () => {
  it('sizes the shop by scale, with at least one row of each', () => {
    expect(seedCounts(1)).toEqual({ products: 10_000, customers: 5_000, orders: 50_000 });
    expect(seedCounts(0.1)).toEqual({ products: 1_000, customers: 500, orders: 5_000 });
    expect(seedCounts(0.00001)).toEqual({ products: 1, customers: 1, orders: 1 });
  });

  it('generates the same rows on every run', () => {
    expect(JSON.stringify(generateShop(0.02))).toEqual(JSON.stringify(generateShop(0.02)));
  });

  it('is consistent: 1-4 lines and one payment per order, totals add up, reserved = pending quantities', () => {
    const t = byTable(0.02);
    const lines = new Map<number, unknown[][]>();
    for (const item of t.order_items)
      lines.set(item[1] as number, [...(lines.get(item[1] as number) ?? []), item]);
    const reserved = new Map<number, number>();
    for (const order of t.orders) {
      const own = lines.get(order[0] as number)!;
      expect(own.length).toBeGreaterThanOrEqual(1);
      expect(own.length).toBeLessThanOrEqual(4);
      const cents = own.reduce(
        (sum, l) => sum + Math.round(Number(l[4]) * 100) * (l[3] as number),
        0,
      );
      expect((cents / 100).toFixed(2)).toBe(order[4]);
      if (order[3] === 'pending')
        for (const l of own)
          reserved.set(l[2] as number, (reserved.get(l[2] as number) ?? 0) + (l[3] as number));
    }
    expect(t.payments.map((p) => [p[1], p[2], p[4]])).toEqual(
      t.orders.map((o) => [o[0], o[4], o[3]]),
    );
    for (const [productId, quantity, held] of t.inventory as number[][]) {
      expect(held).toBe(reserved.get(productId) ?? 0);
      expect(quantity).toBeGreaterThanOrEqual(held);
    }
    expect(new Set(t.customers.map((c) => c[2])).size).toBe(t.customers.length);
  });
});

describe('prng', () => {
  it('repeats per seed and stream, and differs between streams', () => {
    const draw = (stream: string) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.int(0, 1000)
        )(createRandom(7, stream)),
      );
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('a')).not.toEqual(draw('b'));
    const r = createRandom(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(3, 5);
      expect(v >= 3 && v <= 5).toBe(true);
    }
  });
});
