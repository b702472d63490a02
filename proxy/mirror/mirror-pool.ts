/**
 * The main thread's side of the mirror workers: starts them, hands each mirrored read to one of
 * them and routes the answers back to the read's promises. A worker that dies fails the reads it
 * held (the parallel run counts them and frees their slots) and is replaced. Workers never keep
 * the process alive while they have nothing to do.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.ts';
import { modulePath } from '../../lib/package-paths.ts';
import type { ComparisonResult } from '../compare/compare-responses.ts';
import type { Judgement, Side } from './judge-sides.ts';
import {
  createBatchSender,
  decodeFromWorker,
  encodeToWorker,
  takeSpread,
  type WireBatch,
} from './message-batches.ts';
import type {
  FromWorker,
  MirroredRead,
  MirrorWorkerData,
  SideSummary,
  ToWorker,
} from './mirror-messages.ts';

export type Judged = Judgement & { service: SideSummary };

type Pending = { resolve(message: FromWorker): void; reject(error: Error): void };
type Slot = {
  worker: Worker;
  pending: Map<number, Pending>;
  outbox: ReturnType<typeof createBatchSender<ToWorker>>;
  alive: boolean;
  retired: boolean;
};

const WORKER_FILE = modulePath('proxy/mirror/mirror-worker.ts');
/** A worker that dies younger than this is replaced only after this long: no crash loop. */
const RESPAWN_AFTER_MS = 1000;
/**
 * How long reads wait to go to a worker together, and how many at most. What a worker spends on a
 * compared read is mostly its waking (for the batch, for the service's answer): at 600 reads/s,
 * batches every 10 ms instead of 2 took its CPU per read from ~165 to ~125 µs, every 20 ms to
 * ~105 (docs/decisions/0004, 2026-12-06). The service is then asked up to 10 ms later than the
 * monolith, against the sync's lag of hundreds of ms that the recheck is there for; the bound
 * keeps a full batch from waiting, and from holding mirror slots, under heavy load.
 */
const BATCH_MS = 10;
const BATCH_MAX = 32;

export function createMirrorPool(
  data: MirrorWorkerData,
  log: Logger,
  size = Math.max(1, Math.min(2, availableParallelism() - 1)),
) {
  let nextId = 0;
  let closed = false;
  const slots: Slot[] = [];

  const spawn = (index: number) => {
    const born = performance.now();
    const worker = new Worker(WORKER_FILE, { workerData: data });
    const outbox = createBatchSender<ToWorker>(
      encodeToWorker,
      (wire, transfer) => worker.postMessage(wire, transfer),
      BATCH_MS,
      BATCH_MAX,
    );
    const slot: Slot = { worker, pending: new Map(), outbox, alive: true, retired: false };
    const failAll = (why: string) => {
      outbox.clear();
      for (const p of slot.pending.values()) p.reject(new Error(`mirror worker ${why}`));
      slot.pending.clear();
    };
    worker.unref();
    const answered = (message: FromWorker) => {
      const p = slot.pending.get(message.id);
      if (!p) return;
      slot.pending.delete(message.id);
      if (!slot.pending.size) worker.unref();
      if (message.type === 'failed') p.reject(new Error(message.error));
      else p.resolve(message);
    };
    worker.on('message', (wire: WireBatch) => takeSpread(decodeFromWorker(wire), answered));
    worker.on('error', (error) => {
      log.error('mirror worker failed', { error: error.message });
      failAll(`failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      slot.alive = false;
      failAll(`exited with ${code}`);
      if (closed || slot.retired) return;
      const young = performance.now() - born < RESPAWN_AFTER_MS;
      setTimeout(() => closed || spawn(index), young ? RESPAWN_AFTER_MS : 0).unref();
    });
    slots[index] = slot;
  };
  for (let i = 0; i < size; i++) spawn(i);

  function send(message: ToWorker) {
    const slot = slots[message.id % slots.length];
    // Until its replacement is up, the reads of a dead worker fail at once (slots are freed).
    if (!slot.alive) return Promise.reject(new Error('mirror worker restarting'));
    if (!slot.pending.size) slot.worker.ref();
    return new Promise<FromWorker>((resolve, reject) => {
      slot.pending.set(message.id, { resolve, reject });
      slot.outbox.push(message);
    });
  }

  return {
    /**
     * Mirrors a read the monolith has answered: the worker asks the service (and the monolith
     * again if `calibrate`) and compares. The legacy body is copied into the batch's buffer.
     */
    judge(
      read: MirroredRead,
      legacy: Side,
      calibrate: boolean,
      noise: Iterable<string>,
    ): Promise<Judged> {
      const id = nextId++;
      const message: ToWorker = { type: 'judge', id, read, legacy, calibrate, noise: [...noise] };
      return send(message) as Promise<Judged>;
    },
    async recheck(
      read: MirroredRead,
      noise: Iterable<string>,
    ): Promise<ComparisonResult | undefined> {
      const id = nextId++;
      const answer = await send({ type: 'recheck', id, read, noise: [...noise] });
      return answer.type === 'rechecked' ? answer.result : undefined;
    },
    /** Replaces every worker now; the reads they held fail (counted as failed comparisons). */
    async recycle(): Promise<void> {
      const old = [...slots];
      for (const slot of old) slot.retired = true;
      old.forEach((_, index) => spawn(index));
      await Promise.all(old.map((slot) => slot.worker.terminate()));
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}

export type MirrorPool = ReturnType<typeof createMirrorPool>;
