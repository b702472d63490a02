/**
 * Sync workers as a fleet: two `ficus sync` processes of the same service and direction (one
 * consumer group) share the partitions of a 4-partition topic while the legacy DB takes a steady
 * stream of inserts, updates, deletes and re-inserts. One of them is killed with SIGKILL while it
 * applies; the other must take all the partitions over and the stream goes on. At the end:
 * - every service row equals its legacy row and `ficus verify` is clean;
 * - nothing was applied twice: the legacy table stamps each insert and update with a value from
 *   one sequence (`version`), and an ALWAYS trigger in the service DB logs every write the sink
 *   makes, in commit order per key. A change applied again after a later one writes an older
 *   version after a newer one (or brings back a deleted row at its old version), which the log
 *   shows; the stored-position lock (apply-batch.ts) is what prevents it;
 * - the stored positions sit exactly at the topic's high watermarks.
 * Before the kill, worker a is frozen (SIGSTOP) while it applies: b must take its partitions over
 * and apply on each while a stays frozen, and a, thawed, must apply nothing twice.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep, waitFor } from '../../lib/wait.ts';
import { createSinkFixture, sql, type SinkFixture } from '../../test-support/sink-e2e-harness.ts';
import { freePort } from '../../test-support/sync-supervisor.ts';
import { debeziumTopic } from './debezium-topic.ts';
import { failOnPgQueryOverlap } from '../../test-support/pg-overlap-guard.ts';

// ~60-90 s on a quiet machine; the waits fail on their own when the stream stops moving
jest.setTimeout(240_000);

failOnPgQueryOverlap();

const PARTITIONS = 4;
/** the group's session timeout: how long a killed member keeps its partitions */
const SESSION_TIMEOUT_MS = 6_000;
/** rounds of the stream after the survivor took every partition over */
const ROUNDS_AFTER_TAKEOVER = 8;

const TABLES = {
  legacyDdl: `
    CREATE TABLE items (id bigint PRIMARY KEY, note text NOT NULL, version bigint NOT NULL DEFAULT 0);
    CREATE SEQUENCE item_versions;
    CREATE FUNCTION stamp_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.version := nextval('item_versions'); RETURN NEW; END $$;
    CREATE TRIGGER items_version BEFORE INSERT OR UPDATE ON items
      FOR EACH ROW EXECUTE FUNCTION stamp_version();`,
  serviceDdl: `
    CREATE TABLE items (id bigint PRIMARY KEY, note text NOT NULL, version bigint NOT NULL);
    CREATE TABLE item_writes (seq bigserial PRIMARY KEY, id bigint NOT NULL, version bigint NOT NULL,
      op text NOT NULL);
    CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          INSERT INTO item_writes (id, version, op) VALUES (OLD.id, OLD.version, 'D');
        ELSE
          INSERT INTO item_writes (id, version, op) VALUES (NEW.id, NEW.version, left(TG_OP, 1));
        END IF;
        RETURN NULL;
      END $$;
    CREATE TRIGGER items_log AFTER INSERT OR UPDATE OR DELETE ON items
      FOR EACH ROW EXECUTE FUNCTION log_write();
    -- the sink writes as a replica (session_replication_role): only ALWAYS triggers fire for it
    ALTER TABLE items ENABLE ALWAYS TRIGGER items_log;`,
  owns: [{ source: 'items', target: 'items', key: ['id'] }],
};

type Worker = { name: string; child: ChildProcess; lines: string[] };
type Assignment = Record<string, number[]>;
const byNumber = (x: number, y: number) => x - y;

let fx: SinkFixture;
let topic: string;
const workers: Worker[] = [];

function startWorker(name: string, metricsPort: number): Worker {
  const sync = fx.syncCommand('forward', metricsPort, [
    '--progress-interval',
    '1000',
    '--session-timeout',
    String(SESSION_TIMEOUT_MS),
  ]);
  const child = spawn(process.execPath, sync.args, {
    env: { ...sync.env, FICUS_RETRY_FAST: '1', FICUS_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker: Worker = { name, child, lines: [] };
  let partial = '';
  const collect = (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    worker.lines.push(...parts);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  workers.push(worker);
  return worker;
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** The partitions of the test's topic a worker was given at its latest join; null before one. */
function holds(worker: Worker): number[] | null {
  for (let i = worker.lines.length - 1; i >= 0; i--) {
    if (!worker.lines[i].includes('"joined the group"')) continue;
    const { assignment } = JSON.parse(worker.lines[i]) as { assignment: Assignment };
    return [...(assignment[topic] ?? [])].sort(byNumber);
  }
  return null;
}

const ALL = Array.from({ length: PARTITIONS }, (_, p) => p);

async function storedPositions(): Promise<Map<number, bigint>> {
  const stored = await fx.storedPositions(fx.group('forward'));
  return new Map(
    stored.filter((s) => s.topic === topic).map((s) => [s.partition, BigInt(s.nextOffset)]),
  );
}

/**
 * Per key, the sink's writes in commit order must move forward: each insert or update writes a
 * newer version than anything before it, and a delete removes the version just written. A change
 * applied a second time breaks this. Returns the first ten writes that break it.
 */
async function replayedWrites(): Promise<string[]> {
  const { rows } = await sql(
    fx.serviceUrl,
    'SELECT id::text, version::text, op FROM item_writes ORDER BY id, seq',
  );
  const problems: string[] = [];
  let last: { id: string; version: bigint; op: string } | null = null;
  for (const row of rows as { id: string; version: string; op: string }[]) {
    const version = BigInt(row.version);
    const before = last?.id === row.id ? last : null;
    const forward =
      row.op === 'D'
        ? before !== null && before.op !== 'D' && version === before.version
        : before === null || version > before.version;
    if (!forward && problems.length < 10)
      problems.push(`key ${row.id}: ${row.op}@${version} after ${before?.op}@${before?.version}`);
    last = { id: row.id, version, op: row.op };
  }
  return problems;
}

beforeAll(async () => {
  fx = await createSinkFixture({ tables: TABLES });
  topic = debeziumTopic(fx.topicPrefix('forward'), { schema: 'public', table: 'items' });
  // the topic exists before the workers subscribe and before Debezium writes to it: 4 partitions
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  await fx.startConnector('forward');
});

afterAll(async () => {
  const log = workers.map((w) => `==== ${w.name}\n${w.lines.join('\n')}`).join('\n');
  fs.writeFileSync(path.join(os.tmpdir(), `ficus-sink-group-${fx?.id}.log`), log);
  for (const { child } of workers)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  await fx?.dispose();
});

/** Waits until worker `w` applies: a partition it holds moved on since `since`, one is short of its end. */
async function whileApplying(w: Worker, since: Map<number, bigint>, streamRounds: () => number) {
  const mine = holds(w)!;
  return waitFor(
    `worker ${w.name} to be applying`,
    async () => {
      const [ends, positions] = [await fx.topicEnds('items'), await storedPositions()];
      const moved = mine.some((p) => (positions.get(p) ?? 0n) > (since.get(p) ?? 0n));
      const behind = mine.some((p) => (positions.get(p) ?? 0n) < ends.get(p)!);
      return moved && behind && streamRounds() >= 3 && mine;
    },
    { timeoutMs: 60_000, intervalMs: 20 },
  );
}

/** Waits until `w` holds every partition; returns when it did (ms since the epoch). */
async function holdsAll(w: Worker): Promise<number> {
  await waitFor(
    `worker ${w.name} to hold every partition`,
    async () => JSON.stringify(holds(w)) === JSON.stringify(ALL),
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  return Date.now();
}

/** Waits until both hold part of the topic, together all of it. */
async function split(a: Worker, b: Worker) {
  await waitFor(
    'the two workers to split the partitions',
    async () => {
      const [ha, hb] = [holds(a), holds(b)];
      if (!ha?.length || !hb?.length) return false;
      return JSON.stringify([...ha, ...hb].sort(byNumber)) === JSON.stringify(ALL);
    },
    { timeoutMs: 90_000, intervalMs: 100 },
  );
}

/** The duplicates a worker's latest progress line reports it skipped. */
function duplicatesSkipped(w: Worker): number {
  const line = [...w.lines].reverse().find((l) => l.includes(' duplicate / '));
  return Number(line?.match(/skipped (\d+) duplicate/)?.[1] ?? 0);
}

test('two workers of one group share the partitions; a frozen one comes back as a zombie, a killed one is replaced; each change applied once', async () => {
  const a = startWorker('a', await freePort());
  const b = startWorker('b', await freePort());
  await split(a, b);

  const issued = { inserts: 0, updates: 0, deletes: 0 };
  const change = async (kind: keyof typeof issued, text: string) => {
    issued[kind] += (await sql(fx.legacyUrl, text)).rowCount ?? 0;
  };
  let streaming = true;
  let rounds = 0;
  // A steady stream: each round 400 new keys, updates spread over recent and old keys, deletes
  // spread over every key so far, and re-inserts of keys an earlier round deleted.
  const stream = (async () => {
    for (let round = 0; streaming; round++) {
      const base = round * 400;
      await change(
        'inserts',
        `INSERT INTO items (id, note) SELECT g, 'item ' || g FROM generate_series(${base + 1}, ${base + 400}) g`,
      );
      await change(
        'updates',
        `UPDATE items SET note = note || '.' WHERE (id % 3 = ${round % 3} AND id > ${base - 1200}) OR id % 211 = ${round % 211}`,
      );
      await change('deletes', `DELETE FROM items WHERE id % 41 = ${round % 41}`);
      if (round > 0)
        await change(
          'inserts',
          `INSERT INTO items (id, note) SELECT g, 'again ' || g FROM generate_series(1, ${base}) g
           WHERE g % 41 = ${(round - 1) % 41} AND g % 2 = 0`,
        );
      rounds = round + 1;
      await sleep(150); // a steady stream, not one burst
    }
  })();
  const goOn = async (more: number, what: string) => {
    const from = rounds;
    await waitFor(what, async () => rounds >= from + more, { timeoutMs: 60_000, intervalMs: 100 });
  };

  // 1. A zombie: worker a frozen (SIGSTOP, as a long GC pause or a cut network would) while it
  // applies, with batches in hand; b takes its partitions over and applies them on (or waits for
  // a position row a's open transaction holds); a thawed applies what it had in hand, long after
  // it lost those partitions. The stored position it locks first makes those batches no-ops.
  const frozenPartitions = await whileApplying(a, await storedPositions(), () => rounds);
  a.child.kill('SIGSTOP');
  const frozenAt = Date.now();
  const atFreeze = await storedPositions();
  await holdsAll(b);
  // b applies on every partition a had, while a stays frozen: had a been frozen in the middle of
  // a transaction, its position row stays locked until the server ends that transaction (idle
  // for 30 s, apply-batch.ts)
  await waitFor(
    'b to apply on every partition of the frozen worker',
    async () => {
      const positions = await storedPositions();
      return frozenPartitions.every((p) => positions.get(p)! > (atFreeze.get(p) ?? 0n));
    },
    { timeoutMs: 90_000, intervalMs: 50 },
  );
  const lockedOut = Date.now();
  a.child.kill('SIGCONT');
  await split(a, b);
  await goOn(3, 'the stream to go on after the zombie came back');
  const zombieDuplicates = duplicatesSkipped(a);

  // 2. A crash: worker a killed (SIGKILL) while it applies; b takes every partition over.
  const victimPartitions = await whileApplying(a, await storedPositions(), () => rounds);
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  await exited(a.child);
  // its partitions held events it had not applied (they were short of their ends when it died,
  // and b must apply them): the kill came mid-stream
  const [positionsAtKill, endsAtKill] = [await storedPositions(), await fx.topicEnds('items')];
  const leftToApply = victimPartitions.filter((p) => positionsAtKill.get(p)! < endsAtKill.get(p)!);
  const takenOverAt = await holdsAll(b);
  await goOn(ROUNDS_AFTER_TAKEOVER, 'the stream to go on after the takeover');
  streaming = false;
  await stream;

  const events = issued.inserts + issued.updates + issued.deletes;
  console.log(
    `sink-group: ${events} change events in ${rounds} rounds; b applied on every partition of the frozen a ` +
      `${lockedOut - frozenAt} ms after the freeze; the thawed zombie skipped ${zombieDuplicates} duplicates; worker a killed holding partitions ${victimPartitions.join(',')} ` +
      `(${leftToApply.length} with events left to apply); worker b held all ${PARTITIONS} partitions ` +
      `${takenOverAt - killedAt} ms after the kill (session timeout ${SESSION_TIMEOUT_MS} ms)`,
  );
  expect(leftToApply.length).toBeGreaterThan(0);

  // every event in the topic (one per row changed, a tombstone per delete) and the stored
  // positions exactly at each partition's end
  const ends = await fx.waitApplied('items', events + issued.deletes);
  expect(await storedPositions()).toEqual(ends);

  const { expected, actual } = await fx.waitInSync('items', 30_000);
  expect(actual.length).toBe(issued.inserts - issued.deletes);
  expect(actual.length).toBe(expected.length);
  const report = await fx.verify();
  expect(report.clean).toBe(true);
  expect(report.tables.map((t) => [t.source, t.rows, t.matching])).toEqual([
    ['items', expected.length, expected.length],
  ]);

  expect(await replayedWrites()).toEqual([]);

  // the survivor stops cleanly
  b.child.kill('SIGTERM');
  expect(await exited(b.child)).toEqual({ code: 0, signal: null });
});
