/**
 * Fails a suite's test when code under it sends a query to a pg Client (or a pool's client) that
 * is still executing another one. node-postgres 8 queues such a query and, from the third at once,
 * warns "Calling client.query() when the client is already executing a query is deprecated";
 * pg@9 refuses it. Queries on one client must follow each other (await), or go to separate
 * clients (a pool).
 *
 * Why not listen for that warning (`process.on('warning')`): jest gives each test file a copy of
 * `process` whose listeners Node never calls, and pg warns once per module instance only. So the
 * guard watches `Client.prototype.query` of the pg this test file loads (its own module registry,
 * the one the code under test and knex use), and records every query sent while the client has
 * one running or waiting: two at once already, the case pg 8 lets pass without a word. Child
 * processes (sync workers, proxies) load their own pg: their supervisors look for pg's warning in
 * what they print (`pgOverlapWarning`), and the suite fails after all if one printed it.
 *
 *   failOnPgQueryOverlap(); // at the top of a suite: each test fails on an overlap it caused
 */
import { afterAll, afterEach } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';

export type PgQueryOverlap = {
  /** the query sent while the client was busy */
  query: string;
  /** what the client was running (or first had waiting) then */
  busyWith: string;
  /** where the query was sent from */
  stack: string;
};

/** What pg keeps of its queries (private, read only to judge): absent fields judge nothing. */
type ClientState = {
  pipeline?: boolean;
  _activeQuery?: unknown;
  _queryQueue?: unknown[];
};

const textOf = (query: unknown): string => {
  if (typeof query === 'string') return query;
  const text = (query as { text?: unknown } | null)?.text;
  if (typeof text === 'string') return text;
  return (query as object | null)?.constructor?.name ?? String(query);
};

const shorten = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 160);

/** What the client is running or has waiting, if anything (pipeline mode may run several). */
function busyWith(client: ClientState): unknown {
  if (client.pipeline) return undefined;
  return client._activeQuery ?? client._queryQueue?.[0];
}

/**
 * Watches every pg Client of this module registry until the returned function is called; each
 * query sent to a busy client is handed to `seen`.
 */
export function watchPgQueryOverlaps(seen: (overlap: PgQueryOverlap) => void): () => void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: ClientState, ...args: unknown[]) {
    const running = busyWith(this);
    if (running !== undefined)
      seen({
        query: shorten(textOf(args[0])),
        busyWith: shorten(textOf(running)),
        stack: (new Error('sent here').stack ?? '').split('\n').slice(2).join('\n'),
      });
    return original.apply(this, args);
  };
  return () => {
    proto.query = original;
  };
}

export const describeOverlaps = (overlaps: PgQueryOverlap[]) =>
  `${overlaps.length} quer${overlaps.length === 1 ? 'y was' : 'ies were'} sent to a pg client still executing another (pg@9 refuses this; await the first, or use a pool):\n` +
  overlaps.map((o) => `- "${o.query}" while running "${o.busyWith}"\n${o.stack}`).join('\n');

/**
 * Watches from now on (the pg of this test file's module registry, dropped with it) and fails the
 * test that overlapped; what the suite's beforeAll hooks did fails it after all. Call it before the
 * suite's own hooks: an afterAll declared after this one runs after its check.
 */
export function failOnPgQueryOverlap(): void {
  const overlaps: PgQueryOverlap[] = [];
  watchPgQueryOverlaps((overlap) => overlaps.push(overlap));
  const check = () => {
    if (overlaps.length) throw new Error(describeOverlaps(overlaps.splice(0)));
  };
  afterEach(check);
  afterAll(check);
}

/** pg 8's warning, printed once per process (from the third query at once on one client). */
export const PG_OVERLAP_WARNING =
  'Calling client.query() when the client is already executing a query';

/** Whether a child's output, fed chunk by chunk, ever held pg's warning (even split in two). */
export function pgOverlapWarning() {
  let tail = '';
  let seen = false;
  return {
    feed(chunk: string) {
      const text = tail + chunk;
      seen ||= text.includes(PG_OVERLAP_WARNING);
      tail = text.slice(-PG_OVERLAP_WARNING.length);
    },
    seen: () => seen,
  };
}

/**
 * What a supervised child prints: the last 20,000 characters of its stdout and stderr (for
 * failure messages), and whether its stderr ever held pg's warning, however much followed.
 */
export function captureChildOutput(child: ChildProcess) {
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  const pgWarning = pgOverlapWarning();
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.stderr!.on('data', (chunk: Buffer) => pgWarning.feed(chunk.toString()));
  return { output: () => output, pgOverlapWarned: pgWarning.seen };
}

/** Fails (after the caller's cleanup) when a child process printed pg's warning. */
export function expectNoChildPgOverlap(
  children: { name: string; pgOverlapWarned: () => boolean }[],
): void {
  const warned = children.filter((c) => c.pgOverlapWarned()).map((c) => c.name);
  if (warned.length)
    throw new Error(
      `${warned.join(', ')} printed "${PG_OVERLAP_WARNING}": a query was sent to a pg client still executing another (pg@9 refuses this); run the suite with NODE_OPTIONS=--trace-deprecation for where`,
    );
}
