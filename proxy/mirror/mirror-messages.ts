/**
 * What the event loop serving clients and the mirror worker say to each other. The main thread
 * keeps every decision and all accounting (limiter, breaker, noise model, metrics, recorder);
 * the worker does the mirrored HTTP and the parse, compare and redact. Types only.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ComparisonResult } from '../compare/compare-responses.ts';
import type { Judgement, RouteRules, Side } from './judge-sides.ts';

export type MirrorWorkerData = {
  monolithUrl: string;
  serviceUrls: Record<string, string>;
  /** per route id */
  rules: [string, RouteRules][];
  timeoutMs: number;
  maxBodyBytes: number;
  /**
   * a module whose `createClient` replaces the lean HTTP client (lean-http-client.ts) in the
   * worker, with its interface: how the benchmark measures another client (decision 0004)
   */
  clientModule?: string;
};

/** The read to mirror, as the upstreams are to receive it. */
export type MirroredRead = {
  route: string;
  service: string;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
};

/** What main learns of the service's side: never its body. */
export type SideSummary = { status?: number; latencyMs?: number; error?: string };

export type ToWorker =
  /**
   * the monolith has answered the client (its answer is here, the body transferred): ask the
   * service the same read (and the monolith a second time, to calibrate), then compare
   */
  | {
      type: 'judge';
      id: number;
      read: MirroredRead;
      legacy: Side;
      calibrate: boolean;
      noise: string[];
    }
  /** ask both sides again and compare */
  | { type: 'recheck'; id: number; read: MirroredRead; noise: string[] };

export type FromWorker =
  | ({ type: 'judged'; id: number; service: SideSummary } & Judgement)
  | { type: 'rechecked'; id: number; result?: ComparisonResult }
  | { type: 'failed'; id: number; error: string };
