/**
 * The main thread's side of the mirror workers: starts them, hands each mirrored read to one of
 * them and routes the answers back to the read's promises. A worker that dies fails the reads it
 * held (the parallel run counts them and frees their slots) and is replaced. Workers never keep
 * the process alive while they have nothing to do.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.ts';
import type { ComparisonResult } from '../compare/compare-responses.ts';
import type { Judgement, Side } from './judge-sides.ts';
import type {
  FromWorker,
  MirroredRead,
  MirrorWorkerData,
  SideSummary,
  ToWorker,
} from './mirror-messages.ts';

export type Judged = Judgement & { service: SideSummary };

type Pending = { resolve(message: FromWorker): void; reject(error: Error): void };

const WORKER_URL = new URL('./mirror-worker.ts', import.meta.url);

export function createMirrorPool(
  data: MirrorWorkerData,
  log: Logger,
  size = Math.max(1, Math.min(2, availableParallelism() - 1)),
) {
  let nextId = 0;
  let closed = false;
  const workers: { worker: Worker; pending: Map<number, Pending> }[] = [];

  const spawn = (slot: number) => {
    const worker = new Worker(WORKER_URL, { workerData: data });
    const pending = new Map<number, Pending>();
    const failAll = (why: string) => {
      for (const p of pending.values()) p.reject(new Error(`mirror worker ${why}`));
      pending.clear();
    };
    worker.unref();
    worker.on('message', (message: FromWorker) => {
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      if (!pending.size) worker.unref();
      if (message.type === 'failed') p.reject(new Error(message.error));
      else p.resolve(message);
    });
    worker.on('error', (error) => {
      log.error('mirror worker failed', { error: error.message });
      failAll(`failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      failAll(`exited with ${code}`);
      if (!closed) spawn(slot);
    });
    workers[slot] = { worker, pending };
  };
  for (let i = 0; i < size; i++) spawn(i);

  function send(slot: number, message: ToWorker, transfer: ArrayBuffer[] = []) {
    const { worker, pending } = workers[slot];
    if (!pending.size) worker.ref();
    return new Promise<FromWorker>((resolve, reject) => {
      pending.set(message.id, { resolve, reject });
      worker.postMessage(message, transfer);
    });
  }

  /** Only a body with memory of its own can move; a slice of a shared pool is copied. */
  const movable = (body: Buffer | undefined): ArrayBuffer[] =>
    body?.byteLength && body.byteOffset === 0 && body.buffer.byteLength === body.byteLength
      ? [body.buffer as ArrayBuffer]
      : [];

  return {
    /**
     * Mirrors a read the monolith has answered: the worker asks the service (and the monolith
     * again if `calibrate`) and compares. The legacy body moves to the worker: unusable here after.
     */
    async judge(read: MirroredRead, legacy: Side, calibrate: boolean, noise: Iterable<string>) {
      const id = nextId++;
      const message: ToWorker = { type: 'judge', id, read, legacy, calibrate, noise: [...noise] };
      const answer = await send(id % workers.length, message, movable(legacy.answer?.body));
      return answer as Judged;
    },
    async recheck(
      read: MirroredRead,
      noise: Iterable<string>,
    ): Promise<ComparisonResult | undefined> {
      const id = nextId++;
      const answer = await send(id % workers.length, {
        type: 'recheck',
        id,
        read,
        noise: [...noise],
      });
      return answer.type === 'rechecked' ? answer.result : undefined;
    },
    /** Replaces every worker; the reads they held fail (and are counted as failed comparisons). */
    async recycle(): Promise<void> {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}

export type MirrorPool = ReturnType<typeof createMirrorPool>;
