/**
 * For e2e suites that compare both sides: the monolith and a service are asked the same request
 * and must give the same status and JSON, but for the top-level fields named in `ignore` (e.g.
 * timestamps a side writes itself).
 *
 * @example
 *   const [legacy] = await expectSameAnswers(shop, catalog, 'GET', '/api/products/1');
 */
import type { JsonAnswer } from './start-test-service.ts';

type Caller = { call(method: string, path: string, body?: unknown): Promise<JsonAnswer> };

/** The answer without the top-level fields named in `ignore`. */
export function withoutFields(answer: JsonAnswer, ignore: string[]): JsonAnswer {
  if (!answer.body || typeof answer.body !== 'object') return answer;
  const copy = { ...answer.body };
  for (const key of ignore) delete copy[key];
  return { status: answer.status, body: copy };
}

/** Asks both sides; answers both answers after checking they are the same. */
export async function expectSameAnswers(
  legacy: Caller,
  service: Caller,
  method: string,
  path: string,
  body?: unknown,
  ignore: string[] = [],
): Promise<[JsonAnswer, JsonAnswer]> {
  const legacyAnswer = await legacy.call(method, path, body);
  const serviceAnswer = await service.call(method, path, body);
  expect(withoutFields(serviceAnswer, ignore)).toEqual(withoutFields(legacyAnswer, ignore));
  return [legacyAnswer, serviceAnswer];
}
