import express from 'express';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../lib/logger.ts';
import { errorHandler, unknownRoute } from './error-handler.ts';
import { NotFoundError } from './http-errors.ts';

async function answerTo(fail: () => never, body?: string) {
  const logged: string[] = [];
  const app = express();
  app.use(express.json());
  app.post('/x', () => fail());
  app.use(unknownRoute);
  app.use(errorHandler(createLogger('test', (line) => logged.push(line))));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body ?? '{}',
    });
    return { status: response.status, body: await response.json(), logged };
  } finally {
    server.close();
  }
}

describe('errorHandler', () => {
  it('answers FicusErrors with their status and JSON form', async () => {
    const answer = await answerTo(() => {
      throw new NotFoundError('order 1 not found', { orderId: 1 });
    });
    expect(answer).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'order 1 not found', details: { orderId: 1 } },
    });
  });

  it('answers malformed JSON with 400 naming the body', async () => {
    const answer = await answerTo(() => {
      throw new Error('not reached');
    }, '{oops');
    expect(answer).toMatchObject({
      status: 400,
      body: { error: 'validation_failed', details: { field: 'body' } },
    });
  });

  it('answers a violated foreign key with 409 and an unexpected error with a logged 500', async () => {
    const fk = await answerTo(() => {
      throw Object.assign(new Error('insert violates foreign key'), {
        code: '23503',
        constraint: 'orders_customer_id_foreign',
      });
    });
    expect(fk).toMatchObject({
      status: 409,
      body: { error: 'conflict', details: { constraint: 'orders_customer_id_foreign' } },
    });
    const crash = await answerTo(() => {
      throw new TypeError('secret detail');
    });
    expect(crash).toMatchObject({ status: 500, body: { error: 'internal' } });
    expect(JSON.stringify(crash.body)).not.toContain('secret detail');
    expect(crash.logged.join('\n')).toContain('secret detail');
  });
});
