import { nextRequest, seededRandom } from './traffic.ts';

const options = { baseUrl: 'http://x', productIds: [1, 2, 3], customerIds: [10, 11] };

test('the same seed gives the same requests', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const first = Array.from({ length: 50 }, () => nextRequest(a, options, [5]));
  const second = Array.from({ length: 50 }, () => nextRequest(b, options, [5]));
  expect(first).toEqual(second);
});

test('the mix has browsing, checkouts and admin edits from a spread of users', () => {
  const random = seededRandom(1);
  const requests = Array.from({ length: 2000 }, () => nextRequest(random, options, [5]));
  const kinds = new Set(requests.map((r) => r.kind));
  expect([...kinds].sort()).toEqual([
    'admin-edit',
    'browse',
    'checkout',
    'customer',
    'order',
    'product',
  ]);
  expect(new Set(requests.map((r) => r.user)).size).toBeGreaterThan(100);
  const checkout = requests.find((r) => r.kind === 'checkout')!;
  const items = (checkout.body as { items: { productId: number }[] }).items;
  expect(new Set(items.map((i) => i.productId)).size).toBe(items.length);
});

test('orders are only looked up once one exists', () => {
  const random = seededRandom(3);
  const requests = Array.from({ length: 500 }, () => nextRequest(random, options, []));
  expect(requests.some((r) => r.kind === 'order')).toBe(false);
});
