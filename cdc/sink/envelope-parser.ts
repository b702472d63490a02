/**
 * Reads the `{schema, payload}` envelope of Kafka Connect's JSON converter without parsing the
 * schema again for every message. Every message of a table carries the same schema text (often
 * larger than the row), so the schema bytes of the last message seen on a topic are kept with
 * their parsed form; when a message starts with exactly those bytes, only the payload is looked
 * at. A message whose prefix differs (first message, schema change) is parsed whole and its
 * schema becomes the cached one.
 *
 * `locate` says where the payload sits in the bytes, so that a caller can read it without a
 * parse (change-payload.ts); `parse` parses it.
 */
import type { FieldSchema } from './decode-value.ts';
import { parseJson } from './exact-json.ts';

export type Envelope = { payload: unknown; fields?: FieldSchema[] };

/** The payload's JSON is `bytes[start, end)`; `fields` are the schema's, when it has one. */
export type LocatedPayload = { start: number; end: number; fields?: FieldSchema[] };

const SCHEMA_START = Buffer.from('{"schema":');
const PAYLOAD_KEY = Buffer.from(',"payload":');
const CLOSE = 0x7d; // }

type Cached = { prefix: Buffer; fields?: FieldSchema[] };

export type EnvelopeParser = {
  /**
   * Where the payload is, or undefined when the message is not laid out as `{"schema":…,
   * "payload":…}` (parse it whole). A message without an envelope is all payload. Does not
   * check that the payload is valid JSON.
   */
  locate(topic: string, bytes: Buffer): LocatedPayload | undefined;
  /**
   * The payload parsed (integers beyond 2^53 kept exact, exact-json.ts), with the schema's
   * fields. Throws SyntaxError on broken JSON.
   */
  parse(topic: string, bytes: Buffer): Envelope;
};

export function createEnvelopeParser(maxTopics = 1000): EnvelopeParser {
  const cache = new Map<string, Cached>();

  const hit = (cached: Cached, bytes: Buffer): LocatedPayload | undefined => {
    const start = cached.prefix.length + PAYLOAD_KEY.length;
    if (
      bytes.length <= start ||
      bytes[bytes.length - 1] !== CLOSE ||
      // compare in place: no views allocated per message
      bytes.compare(cached.prefix, 0, cached.prefix.length, 0, cached.prefix.length) !== 0 ||
      bytes.compare(PAYLOAD_KEY, 0, PAYLOAD_KEY.length, cached.prefix.length, start) !== 0
    )
      return undefined;
    return { start, end: bytes.length - 1, fields: cached.fields };
  };

  /** Parses a message whole and, when its schema comes first as usual, caches the schema. */
  const learn = (topic: string, bytes: Buffer): Cached | undefined => {
    const json = JSON.parse(bytes.toString('utf8'));
    const at = bytes.indexOf(PAYLOAD_KEY);
    if (!(json && typeof json === 'object' && 'schema' in json && 'payload' in json) || at < 0)
      return undefined;
    let head: unknown;
    try {
      head = JSON.parse(bytes.toString('utf8', 0, at) + '}');
    } catch {
      return undefined; // the payload key sat inside the schema itself: parse whole each time
    }
    if (!head || typeof head !== 'object' || Object.keys(head).length !== 1) return undefined;
    const fields = (json as { schema?: { fields?: FieldSchema[] } }).schema?.fields;
    if (cache.size >= maxTopics && !cache.has(topic)) cache.clear();
    const cached = { prefix: Buffer.from(bytes.subarray(0, at)), fields };
    cache.set(topic, cached);
    return cached;
  };

  const locate = (topic: string, bytes: Buffer): LocatedPayload | undefined => {
    const cached = cache.get(topic);
    const located = cached && hit(cached, bytes);
    if (located) return located;
    // shorter than the envelope's start (a schemaless key such as {"id":1}): all payload
    if (
      bytes.length < SCHEMA_START.length ||
      bytes.compare(SCHEMA_START, 0, SCHEMA_START.length, 0, SCHEMA_START.length) !== 0
    )
      return { start: 0, end: bytes.length };
    const learned = learn(topic, bytes);
    return learned && hit(learned, bytes);
  };

  const parse = (topic: string, bytes: Buffer): Envelope => {
    const at = locate(topic, bytes);
    if (at)
      return { payload: parseJson(bytes.toString('utf8', at.start, at.end)), fields: at.fields };
    const json: unknown = parseJson(bytes.toString('utf8'));
    if (json && typeof json === 'object' && 'payload' in json && 'schema' in json) {
      const e = json as { schema?: { fields?: FieldSchema[] }; payload: unknown };
      return { payload: e.payload, fields: e.schema?.fields };
    }
    return { payload: json };
  };

  return { locate, parse };
}
