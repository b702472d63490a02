/**
 * A sync worker that follows the fleet's state in the kit DB (cdc/fleet/) instead of being started
 * and stopped by ficus: `ficus sync` runs one under the user's supervisor. Every HEARTBEAT_MS it
 * reads its direction's assignment and renews its lease with what it does (state, the generation
 * it acts on, applied count, lag); when the assignment switches it on it starts the sink worker
 * (sink-worker.ts), when it switches it off it stops it (the batch in flight finishes) and stands
 * by: no consumer, nothing applied. The control plane waits for these reports
 * (cdc/fleet/switch-direction.ts).
 *
 * The kit DB out of reach: the follower keeps doing what it does and retries every heartbeat, so a
 * short outage does not stop the sync; once SELF_FENCE_MS pass without a renewal it stands by,
 * before its lease lapses on the kit DB's clock (sync-fleet.ts `shouldRun`): the control plane
 * stops counting a worker whose lease lapsed, and that worker must not be applying then.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Direction } from '../../plan/mapping.ts';
import {
  HEARTBEAT_MS,
  SELF_FENCE_MS,
  shouldRun,
  type Assignment,
  type WorkerState,
} from '../fleet/sync-fleet.ts';
import type { Heartbeat, SyncFleetStore } from '../fleet/sync-fleet-store.ts';
import type { SinkWorker } from './sink-worker.ts';

export type SinkFollowerOptions = {
  service: string;
  direction: Direction;
  store: SyncFleetStore;
  /** starts the sink worker of this service and direction */
  startWorker: () => Promise<SinkWorker>;
  version: string;
  log: Logger;
  heartbeatMs?: number;
  selfFenceMs?: number;
};

export type SinkFollower = {
  workerId: string;
  state(): WorkerState;
  /** the sink worker while the direction runs here */
  worker(): SinkWorker | null;
  /** applied events over every run of the sink worker in this process */
  applied(): number;
  /** rejects when a sink worker stops on an error it cannot get past (the supervisor restarts us) */
  failed: Promise<never>;
  stop(): Promise<void>;
};

/** What the follower knows and does; changed only by the steps below. */
type FollowerState = {
  known: Assignment | null;
  renewedAt: number;
  actedGeneration: number;
  worker: SinkWorker | null;
  appliedBefore: number;
  converging: Promise<void> | null;
  stopping: boolean;
};

export function startSinkFollower(options: SinkFollowerOptions): SinkFollower {
  const { service, direction, store, log } = options;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const selfFenceMs = options.selfFenceMs ?? SELF_FENCE_MS;
  const workerId = `${service}-${direction}-${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const s: FollowerState = {
    known: null,
    renewedAt: -Infinity,
    actedGeneration: 0,
    worker: null,
    appliedBefore: 0,
    converging: null,
    stopping: false,
  };
  let rejectFailed: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  let outage: string | null = null;

  const applied = () => s.appliedBefore + (s.worker?.stats().applied ?? 0);
  const state = (): WorkerState => (s.stopping ? 'stopping' : s.worker ? 'running' : 'standby');
  const wantsToRun = () => shouldRun(s.known, Date.now() - s.renewedAt, selfFenceMs);

  const report = (): Heartbeat => ({
    workerId,
    service,
    direction,
    host: os.hostname(),
    pid: process.pid,
    version: options.version,
    state: state(),
    generation: s.actedGeneration,
    applied: applied(),
    lag: s.worker?.stats().lag.total ?? null,
  });

  /** The generation the follower acts on moves up whenever what it does matches the assignment. */
  const noteActing = () => {
    if (s.known && !!s.worker === s.known.active) s.actedGeneration = s.known.generation;
  };

  async function startWorker(): Promise<void> {
    log.info(`${direction} sync switched on (generation ${s.known?.generation}): starting`);
    const worker = await options.startWorker();
    s.worker = worker;
    worker.failed.catch((error: unknown) => rejectFailed(error));
  }

  async function stopWorker(why: string): Promise<void> {
    const worker = s.worker;
    if (!worker) return;
    log.info(`${why}: finishing the batch in flight, then standing by`);
    await worker.stop();
    s.appliedBefore += worker.stats().applied;
    s.worker = null;
  }

  /** Starts or stops the sink worker in the background, one change at a time. */
  function converge(): void {
    if (s.converging || s.stopping) return;
    const run = wantsToRun();
    if (run === !!s.worker) return;
    const fenced = s.known?.active && !run;
    s.converging = (
      run
        ? startWorker()
        : stopWorker(
            fenced
              ? `no lease renewal for ${selfFenceMs} ms (kit DB out of reach)`
              : `${direction} sync switched off (generation ${s.known?.generation})`,
          )
    )
      .catch((error: unknown) => rejectFailed(error))
      .finally(() => {
        s.converging = null;
        noteActing();
      });
  }

  /** Reads the assignment and renews the lease; on failure keeps what it knew and says so once. */
  async function contact(): Promise<void> {
    const sentAt = Date.now();
    try {
      s.known = await store.readAssignment(service, direction);
      noteActing();
      await store.renew(report());
      s.renewedAt = sentAt;
      if (outage) log.info('kit DB reachable again', { after: outage });
      outage = null;
    } catch (error) {
      if (!outage)
        log.warn('kit DB out of reach: keeping the current state and retrying', {
          error: errorMessage(error),
        });
      outage = errorMessage(error);
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
  const tick = async () => {
    await contact();
    converge();
    if (!s.stopping) timer = setTimeout(() => (ticking = tick()), heartbeatMs);
  };
  void store.pruneLapsed().catch(() => undefined);
  ticking = tick();

  async function stop(): Promise<void> {
    s.stopping = true;
    clearTimeout(timer);
    await ticking; // a renewal under way must not land after the deregistration
    await store.renew(report()).catch(() => undefined); // say it is going: no longer counted
    await s.converging?.catch(() => undefined);
    await stopWorker('stopping');
    await store.deregister(workerId).catch((error: unknown) =>
      log.warn('could not deregister; the lease lapses by itself', {
        error: errorMessage(error),
      }),
    );
  }

  return { workerId, state, worker: () => s.worker, applied, failed, stop };
}
