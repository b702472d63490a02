/**
 * No input reaches a 5xx: fast-check throws hostile JSON (NUL, lone surrogates, odd code points,
 * numbers past every column's range, wrong types, missing and unknown fields), raw bytes that are
 * not UTF-8, and odd path segments and query strings at every route of the real monolith on a
 * real test database. Every answer is below 500, and a 400 names the field.
 */
import fc from 'fast-check';
import {
  bodiesAreRefusedCleanly,
  callRaw,
  expectRefusedCleanly,
  hostileSegment,
  hostileString,
  percentEncodeAny,
  PROPERTY_RUNS,
  rawBytesAreRefused,
  refusesCleanly,
} from '../test-support/shop/hostile-input.ts';
import {
  adjustmentBody,
  customerBody,
  orderBody,
  paymentCallbackBody,
  productBody,
  productIdForSale,
} from '../test-support/shop/shop-bodies.ts';
import { EXTREMES, seedExtremes, seedLegacy } from '../test-support/shop/shop-fixture.ts';
import { startTestMonolith, type TestMonolith } from '../test-support/shop/start-test-monolith.ts';

let shop: TestMonolith;
beforeAll(async () => {
  shop = await startTestMonolith();
  await seedLegacy(shop.db.knex);
  await seedExtremes(shop.db.knex);
});
afterAll(() => shop.close());

const holds = (method: string, path: string, body?: unknown) =>
  refusesCleanly(shop)(method, path, body);

describe('the monolith refuses hostile input cleanly (property)', () => {
  it('products: POST and PUT bodies', async () => {
    await bodiesAreRefusedCleanly(shop, 'POST', '/api/products', productBody);
    await bodiesAreRefusedCleanly(shop, 'PUT', '/api/products/2', productBody);
  });

  it('customers: POST and PUT bodies', async () => {
    await bodiesAreRefusedCleanly(shop, 'POST', '/api/customers', customerBody);
    await bodiesAreRefusedCleanly(shop, 'PUT', '/api/customers/2', customerBody);
  });

  it('inventory: adjust bodies', async () => {
    await fc.assert(
      fc.asyncProperty(productIdForSale, adjustmentBody, async (id, body) =>
        holds('POST', `/api/inventory/${id}/adjust`, body),
      ),
      PROPERTY_RUNS,
    );
  });

  it('orders: POST bodies', () => bodiesAreRefusedCleanly(shop, 'POST', '/api/orders', orderBody));

  it('payments: callback bodies', () =>
    bodiesAreRefusedCleanly(shop, 'POST', '/api/payments/callback', paymentCallbackBody));

  it('ids in paths and query strings', async () => {
    const route = fc.constantFrom(
      ['GET', '/api/products/'],
      ['PUT', '/api/products/'],
      ['DELETE', '/api/customers/'],
      ['GET', '/api/inventory/'],
      ['GET', '/api/orders/'],
    );
    await fc.assert(
      fc.asyncProperty(route, hostileSegment, async ([method, prefix], segment) =>
        holds(method, prefix + segment, method === 'PUT' ? { name: 'x' } : undefined),
      ),
      PROPERTY_RUNS,
    );
    const query = fc.constantFrom('page', 'pageSize', 'active', 'customerId');
    const list = fc.constantFrom('/api/products', '/api/customers', '/api/orders');
    await fc.assert(
      fc.asyncProperty(list, query, hostileSegment, async (path, name, value) =>
        holds('GET', `${path}?${name}=${value}`),
      ),
      PROPERTY_RUNS,
    );
  });

  it('raw bytes that are not UTF-8 in a JSON body', async () => {
    await fc.assert(
      rawBytesAreRefused(shop.baseUrl, '/api/products', { sku: 'RAW-1', price: 1 }, 'name'),
      PROPERTY_RUNS,
    );
  });

  it('odd content types and encodings of a body', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; charset=utf-7',
        'application/json; charset="',
        'application/json; charset=',
      ),
      hostileString.map((text) => `application/json; charset=${percentEncodeAny(text)}`),
    );
    await fc.assert(
      fc.asyncProperty(contentType, async (type) => {
        const body = Buffer.from(JSON.stringify({ sku: 'ODD-1', name: 'x', price: 1 }));
        const answer = await callRaw(shop.baseUrl, 'POST', '/api/products', body, {
          'content-type': type,
        });
        expectRefusedCleanly(answer, type);
      }),
      PROPERTY_RUNS,
    );
    const encoding = fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'compress', 'gzip, gzip');
    await fc.assert(
      fc.asyncProperty(encoding, fc.uint8Array({ maxLength: 40 }), async (name, bytes) => {
        const answer = await callRaw(shop.baseUrl, 'POST', '/api/products', Buffer.from(bytes), {
          'content-encoding': name,
        });
        expectRefusedCleanly(answer, { name, bytes: Buffer.from(bytes).toString('hex') });
      }),
      { numRuns: 50 },
    );
  });
});

describe('what the property tests found, kept as plain cases', () => {
  const refusal = (answer: { status: number; body: { details?: { field?: string } } }) => ({
    status: answer.status,
    field: answer.body?.details?.field,
  });

  it('answers 4xx naming the field', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['PUT', '/api/products/2', { description: 'a\u0000b' }, 400, 'description'],
      ['POST', '/api/products', { sku: 'S-1', name: '\ud800', price: 1 }, 400, 'name'],
      ['POST', '/api/customers', { name: 'Ann', email: 'a\u0000@b.co' }, 400, 'email'],
      [
        'POST',
        '/api/payments/callback',
        { orderId: 1, status: 'paid', reference: '\u0000' },
        400,
        'reference',
      ],
      ['GET', '/api/products/%', undefined, 400, 'path'],
      ['GET', '/api/orders/%ED%A0%80', undefined, 400, 'path'],
      ['GET', '/api/products/99999999999999999', undefined, 400, 'id'],
      ['GET', '/api/orders?customerId=9999999999999999', undefined, 400, 'customerId'],
      [
        'POST',
        '/api/orders',
        { customerId: 1, items: [{ productId: EXTREMES.dearProductId, quantity: 2 }] },
        400,
        'items',
      ],
    ];
    for (const [method, path, body, status, field] of cases)
      expect({ path, ...refusal(await shop.call(method, path, body)) }).toEqual({
        path,
        status,
        field,
      });
  });

  it('refuses a delivery that would take the stock past what its column holds, with 409', async () => {
    const id = EXTREMES.fullStockProductId;
    await shop.db
      .knex('inventory')
      .where({ product_id: id })
      .update({ quantity: 2 ** 31 - 10 });
    const answer = await shop.call('POST', `/api/inventory/${id}/adjust`, {
      delta: 10,
      reason: 'delivery',
    });
    expect(refusal(answer)).toEqual({ status: 409, field: 'delta' });
    const fits = await shop.call('POST', `/api/inventory/${id}/adjust`, {
      delta: 9,
      reason: 'delivery',
    });
    expect(fits.body).toMatchObject({ quantity: 2 ** 31 - 1 });
  });

  it('refuses bodies that are not UTF-8, or in a charset or encoding it does not read', async () => {
    const name = Buffer.from('{"sku":"RAW-2","price":1,"name":"\xc3(\xff"}', 'latin1');
    const json = Buffer.from('{"sku":"RAW-3","price":1,"name":"x"}');
    const call = (body: Buffer, headers: Record<string, string>) =>
      callRaw(shop.baseUrl, 'POST', '/api/products', body, headers);
    expect(refusal(await call(name, {}))).toEqual({ status: 400, field: 'body' });
    const latin1 = await call(json, { 'content-type': 'application/json; charset=latin1' });
    expect(refusal(latin1)).toEqual({ status: 415, field: 'body' });
    const gzip = await call(json, { 'content-encoding': 'gzip' });
    expect(refusal(gzip)).toEqual({ status: 400, field: 'body' });
    const compress = await call(json, { 'content-encoding': 'compress' });
    expect(refusal(compress)).toEqual({ status: 415, field: 'body' });
  });
});
