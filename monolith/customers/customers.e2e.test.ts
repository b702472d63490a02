import {
  startTestMonolith,
  type TestMonolith,
} from '../../test-support/shop/start-test-monolith.ts';

let shop: TestMonolith;
beforeAll(async () => {
  shop = await startTestMonolith();
});
afterAll(() => shop.close());

describe('customers over HTTP', () => {
  it('creates, reads, lists, updates and deletes a customer', async () => {
    const created = await shop.call('POST', '/api/customers', {
      name: 'Ann Lee',
      email: 'ann@example.com',
      phone: '+1 555 0100',
      address: '1 Main St',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Ann Lee',
      email: 'ann@example.com',
      phone: '+1 555 0100',
      address: '1 Main St',
    });
    const id = created.body.id;
    expect((await shop.call('GET', `/api/customers/${id}`)).body).toEqual(created.body);
    const list = await shop.call('GET', '/api/customers?pageSize=1');
    expect(list.body).toMatchObject({ page: 1, pageSize: 1, total: 1, items: [{ id }] });
    const updated = await shop.call('PUT', `/api/customers/${id}`, { address: null });
    expect(updated.body).toMatchObject({ id, address: null, name: 'Ann Lee' });
    expect((await shop.call('DELETE', `/api/customers/${id}`)).status).toBe(204);
    expect((await shop.call('GET', `/api/customers/${id}`)).status).toBe(404);
  });

  it('answers 409 for a taken email and 400 for a bad one', async () => {
    await shop.call('POST', '/api/customers', { name: 'Ben', email: 'ben@example.com' });
    const dup = await shop.call('POST', '/api/customers', {
      name: 'Ben 2',
      email: 'BEN@example.com',
    });
    expect(dup).toMatchObject({ status: 409, body: { error: 'conflict' } });
    const bad = await shop.call('POST', '/api/customers', { name: 'C', email: 'not-an-email' });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: 'validation_failed', details: { field: 'email' } },
    });
  });

  it('answers 400 naming the field for a NUL in a name (issue 15: this was a 500)', async () => {
    const answer = await shop.call('POST', '/api/customers', {
      name: 'Ann\u0000Lee',
      email: 'nul@example.com',
    });
    expect(answer).toMatchObject({
      status: 400,
      body: { error: 'validation_failed', details: { field: 'name' } },
    });
  });
});
