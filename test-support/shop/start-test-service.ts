/**
 * For e2e suites: an Express app (a service, or the monolith through start-test-monolith.ts)
 * listening on a free loopback port, with a tiny JSON client, so both sides' answers compare.
 */
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export type JsonAnswer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

export type TestServer = {
  baseUrl: string;
  call(method: string, path: string, body?: unknown): Promise<JsonAnswer>;
  close(): Promise<void>;
};

export async function callJson(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonAnswer> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function startTestServer(app: Express): Promise<TestServer> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  );
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    call: (method, path, body) => callJson(baseUrl, method, path, body),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
