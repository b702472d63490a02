/**
 * For the shop's property tests: fast-check arbitraries of what a hostile but fair client sends
 * (strings with NUL, lone surrogates and unusual code points, huge, tiny and fractional numbers,
 * nulls, wrong types, missing fields, raw bytes that are not UTF-8), and the one property every
 * route of the example must keep: no such input reaches a 5xx, and a 400 names the field.
 *
 * @example
 *   await fc.assert(
 *     fc.asyncProperty(bodyOf({ name: validName }), async (body) =>
 *       expectRefusedCleanly(await shop.call('POST', '/api/customers', body))),
 *     { numRuns: 150 },
 *   );
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import type { JsonAnswer } from './start-test-service.ts';

/** Code points that text columns, JSON and UTF-8 disagree about. */
const ODD_UNITS = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\ufeff',
  '\u200b',
  '\uffff',
  '\u{10ffff}',
  '\u0085',
  '\t',
  ' ',
  'a',
  '@',
  '.',
  '-',
  '%',
  "'",
  '"',
  '\\',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...ODD_UNITS), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x'.repeat(70), 'x'.repeat(5001)),
);

/** Numbers around every limit of the shop's columns: integer, bigint, numeric(12,2). */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(
    -0,
    0.001,
    0.005,
    1.005,
    5e-324,
    -1,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53,
    2 ** 63,
    21_474_836.47,
    21_474_836.48,
    30_000_000,
    9_999_999_999.99,
    10_000_000_000,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
  ),
);

/** Any JSON value of the wrong kind, or none. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * A body of the given fields, three ways: all plausible (so the checks past the reader run, up to
 * the database); all plausible but one, hostile or missing (each field's own check); each field
 * plausible, hostile or missing at random. Now and then with a field the route does not know.
 */
export function bodyOf(
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const plausible = fc.record(fields);
  const oneOff = fc
    .tuple(
      plausible,
      fc.constantFrom(...Object.keys(fields)),
      fc.option(hostileValue, { nil: undefined }),
    )
    .map(([body, name, value]) => {
      const copy: Record<string, unknown> = { ...body };
      if (value === undefined) delete copy[name];
      else copy[name] = value;
      return copy;
    });
  const mixed = fc.record(
    Object.fromEntries(
      Object.entries(fields).map(([name, valid]) => [name, fc.oneof(valid, hostileValue)]),
    ),
    { requiredKeys: [] },
  );
  return fc
    .tuple(
      fc.oneof(plausible, oneOff, mixed),
      fc.option(fc.tuple(hostileString, hostileValue), { freq: 8 }),
    )
    .map(([body, extra]) => (extra ? { ...body, [extra[0]]: extra[1] } : body));
}

/**
 * Percent-encodes any string, lone surrogates included (as the three bytes WTF-8 gives them,
 * which are not UTF-8): encodeURIComponent refuses those, a hostile client does not.
 */
export function percentEncodeAny(text: string): string {
  return [...text]
    .map((char) => {
      if (!/\p{Cs}/u.test(char)) return encodeURIComponent(char);
      const unit = char.charCodeAt(0);
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    })
    .join('');
}

/** A path segment a client could send in place of an id: anything, percent-encoded or raw. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(percentEncodeAny),
  fc.constantFrom(
    '%',
    '%ff',
    '%00',
    '%C0%80',
    '%ED%A0%80',
    '0',
    '-1',
    '1.5',
    '1e3',
    '99999999999999999',
  ),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
);

/** The property: never a 5xx; a 400 is the contract's `validation_failed` naming a field. */
export function expectRefusedCleanly(answer: JsonAnswer, request: unknown): void {
  const named = answer.status !== 400 || typeof answer.body?.details?.field === 'string';
  if (answer.status >= 500 || !named) {
    throw new Error(
      `answered ${answer.status} ${JSON.stringify(answer.body)} to ${JSON.stringify(request)}`,
    );
  }
}

/** How many inputs each property of a suite tries. */
export const PROPERTY_RUNS = { numRuns: 150 };

type Caller = { call(method: string, path: string, body?: unknown): Promise<JsonAnswer> };

/** The property, checked on one request to `server`. */
export const refusesCleanly =
  (server: Caller) =>
  async (method: string, path: string, body?: unknown): Promise<void> =>
    expectRefusedCleanly(await server.call(method, path, body), { method, path, body });

/** The property for every body `bodies` gives, each sent as `method path` to `server`. */
export function bodiesAreRefusedCleanly(
  server: Caller,
  method: string,
  path: string,
  bodies: fc.Arbitrary<unknown>,
): Promise<void> {
  const holds = refusesCleanly(server);
  return fc.assert(
    fc.asyncProperty(bodies, (body) => holds(method, path, body)),
    PROPERTY_RUNS,
  );
}

/**
 * A JSON object whose one string field carries raw bytes (possibly not UTF-8), sent as they are:
 * what a client that does not encode its text properly sends.
 */
export function rawBodyWithBytes(
  base: Record<string, unknown>,
  field: string,
): fc.Arbitrary<Buffer> {
  const others = JSON.stringify(base).slice(0, -1);
  const opening = `${others}${others === '{' ? '' : ','}${JSON.stringify(field)}:"`;
  // Printable ASCII but the quote and the backslash (the string stays one JSON string), and
  // every byte from 0x80 up: lone continuation bytes, truncated and overlong sequences.
  const byte = fc
    .integer({ min: 0x20, max: 0xff })
    .filter((value) => value !== 0x22 && value !== 0x5c);
  return fc
    .array(byte, { minLength: 1, maxLength: 12 })
    .map((bytes) => Buffer.concat([Buffer.from(opening), Buffer.from(bytes), Buffer.from('"}')]));
}

/** Sends `body` as raw bytes (a JSON content type unless told); answers status and parsed JSON. */
export async function callRaw(
  baseUrl: string,
  method: string,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * The property for raw bytes: a body whose `field` carries bytes that may not be UTF-8 is
 * answered below 500, and when they are not UTF-8 it is refused naming `body` (not silently
 * decoded to U+FFFD and stored).
 */
export function rawBytesAreRefused(
  baseUrl: string,
  path: string,
  base: Record<string, unknown>,
  field: string,
): fc.IAsyncProperty<[Buffer]> {
  return fc.asyncProperty(rawBodyWithBytes(base, field), async (bytes) => {
    const answer = await callRaw(baseUrl, 'POST', path, bytes);
    expectRefusedCleanly(answer, bytes.toString('hex'));
    if (!isUtf8(bytes) && answer.body?.details?.field !== 'body')
      throw new Error(`answered ${JSON.stringify(answer.body)} to bytes ${bytes.toString('hex')}`);
  });
}
