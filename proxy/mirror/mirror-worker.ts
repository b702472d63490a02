/**
 * The mirror worker (a worker_threads entry): asks the service (and, to calibrate or recheck,
 * the monolith) over its own kept-alive connections (lean-http-client.ts: a fifth of node:http's
 * CPU per request), and parses, compares and redacts, so none of that runs on the event loop that
 * serves clients. It decides nothing: it answers each message of mirror-messages.ts for the main
 * thread, which keeps the limiter, breaker, noise and metrics.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { UpstreamRequestError } from '../upstream/buffered-request.ts';
import { createLeanClient } from '../upstream/lean-http-client.ts';
import { compareSides, judgeSides, withBuffer, type Side } from './judge-sides.ts';
import type { FromWorker, MirroredRead, MirrorWorkerData, ToWorker } from './mirror-messages.ts';
import {
  createBatchSender,
  decodeToWorker,
  encodeFromWorker,
  type WireBatch,
} from './message-batches.ts';

const data = workerData as MirrorWorkerData;
// The worker runs at normal priority, not lowered: it times the service's answers, and the gates
// weigh them against the monolith's, timed on the main thread. A deprioritised worker on a busy
// host timed the service late and a rollout refused a healthy service (docs/decisions/0004).
const rules = new Map(data.rules);
const createClient: typeof createLeanClient = data.clientModule
  ? (await import(pathToFileURL(data.clientModule).href)).createClient
  : createLeanClient;
const upstreams = new Map(
  [['monolith', data.monolithUrl], ...Object.entries(data.serviceUrls)].map(([name, url]) => [
    name,
    createClient(new URL(url)),
  ]),
);
const port = parentPort!;
/** Answers go back in batches (message-batches.ts): a wake-up of the main thread per batch. */
const ANSWER_BATCH_MS = 5;
const outbox = createBatchSender<FromWorker>(
  encodeFromWorker,
  (wire) => port.postMessage(wire),
  ANSWER_BATCH_MS,
);
const post = (message: FromWorker) => outbox.push(message);

function ask(upstream: string, read: MirroredRead): Promise<Side> {
  return upstreams
    .get(upstream)!
    .request({
      method: read.method,
      path: read.path,
      headers: read.headers,
      timeoutMs: data.timeoutMs,
      maxBytes: data.maxBodyBytes,
    })
    .then(
      (answer) => ({ answer }),
      (error: UpstreamRequestError) => ({ error: error.reason ?? String(error) }),
    );
}

async function handle(message: ToWorker): Promise<void> {
  const { read } = message;
  if (message.type === 'judge') {
    const [service, again] = await Promise.all([
      ask(read.service, read),
      message.calibrate ? ask('monolith', read) : undefined,
    ]);
    const judged = judgeSides(
      withBuffer(message.legacy),
      service,
      again,
      rules.get(read.route)!,
      new Set(message.noise),
    );
    const { answer, error } = service;
    const summary = { status: answer?.status, latencyMs: answer?.latencyMs, error };
    return post({ type: 'judged', id: message.id, service: summary, ...judged });
  }
  const [legacy, service] = await Promise.all([ask('monolith', read), ask(read.service, read)]);
  const result = compareSides(legacy, service, rules.get(read.route)!, new Set(message.noise));
  post({ type: 'rechecked', id: message.id, result });
}

port.on('message', (wire: WireBatch) => {
  for (const message of decodeToWorker(wire))
    handle(message).catch((error: unknown) =>
      post({ type: 'failed', id: message.id, error: String(error) }),
    );
});
