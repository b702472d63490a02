/**
 * Reading the flags from Unleash now, on top of unleash-client's polling: the control plane pushes
 * each stage change to every proxy (POST /admin/flags/refresh, naming the service and the stage it
 * expects), and the proxy fetches until its flags show that stage (fetch-until.ts: bounded, with
 * backoff), so that the change reaches the fleet in about a second instead of a polling interval.
 * Unleash stays the source of truth: what is fetched here is the same client API answer the client
 * polls for, handed to the client's own repository, which evaluates it as it would its own poll's.
 *
 * unleash-client has no public "fetch now" (its repository's `fetch()` starts a second polling
 * timer each time it is called), so the fetch is ours and the answer goes to `repository.save`.
 * Every answer from Unleash, the client's polls' and ours, passes a revision guard
 * (revision-guard.ts) where the repository applies it (`applyFeatureResponse`: the poller holds a
 * `save` bound at construction, so wrapping `save` would miss its answers): a poll that was under
 * way when a push applied a newer stage never puts the proxy back on the stage before.
 */
import type { Unleash } from 'unleash-client';
import { FicusError } from '../../lib/errors.ts';
import { fetchUntil, PUSH_REFETCH, type FetchUntilResult } from './fetch-until.ts';
import { admitRevision, noRevisionYet } from './revision-guard.ts';

type ClientAnswer = { features?: unknown[]; meta?: { revisionId?: number } };

/** The part of unleash-client's (private) repository used here (unleash-client 6.x). */
type Repository = {
  save(response: ClientAnswer & { type: string }, fromApi: boolean): Promise<void>;
  applyFeatureResponse(response: ClientAnswer & { type: string }): void;
  etag: string | undefined;
  on(event: string, listener: () => void): void;
};

export type RefreshResult = FetchUntilResult & { revision: number | null };

export type FlagRefresh = {
  /** when the client last had an answer from Unleash (Date.now()); null: not yet */
  readAt(): number | null;
  /**
   * Fetches the flags now and hands them to the client; with `until`, fetches again (backoff,
   * fetch-until.ts) until it holds, `timeoutMs` passed, or a later refresh with the same `key`
   * (the service) took over.
   */
  refresh(
    until?: () => boolean,
    options?: { timeoutMs?: number; key?: string },
  ): Promise<RefreshResult>;
};

function privateRepository(client: Unleash): Repository {
  const repository = (client as unknown as { repository?: Partial<Repository> }).repository;
  if (
    typeof repository?.save !== 'function' ||
    typeof repository.applyFeatureResponse !== 'function'
  )
    throw new FicusError(
      'unsupported_unleash_client',
      'unleash-client has no repository.save/applyFeatureResponse: the flag refresh is written for unleash-client 6.x',
    );
  return repository as Repository;
}

export function flagRefresh(
  client: Unleash,
  options: { url: string; token: string; appName: string },
): FlagRefresh {
  const repository = privateRepository(client);
  let guard = noRevisionYet();
  let readAt: number | null = null;
  const apply = repository.applyFeatureResponse.bind(repository);
  repository.applyFeatureResponse = (response) => {
    const revision = response.meta?.revisionId;
    // answers from Unleash carry a revision; the backup and bootstrap do not
    if (typeof revision === 'number') {
      const admitted = admitRevision(guard, revision, Date.now());
      if (!admitted) return; // older than an answer already applied
      guard = admitted;
      readAt = Date.now();
    }
    apply(response);
  };
  repository.on('unchanged', () => (readAt = Date.now()));

  const fetchOnce = async (timeoutMs: number) => {
    const response = await fetch(`${options.url}/client/features`, {
      headers: {
        authorization: options.token,
        'unleash-appname': options.appName,
        'unleash-client-spec': '5.2.0',
      },
      signal: AbortSignal.timeout(Math.min(3000, timeoutMs)),
    });
    if (!response.ok) throw new Error(`Unleash answered ${response.status} to a flag refresh`);
    const answer = (await response.json()) as ClientAnswer;
    if (!Array.isArray(answer.features)) throw new Error('Unleash answered without features');
    await repository.save({ ...answer, type: 'full' }, true);
    // the client's next poll asks "changed since this?" and gets a 304 if nothing did
    const etag = response.headers.get('etag');
    if (etag && answer.meta?.revisionId === guard.newest) repository.etag = etag;
  };

  // the newest refresh per key: an older one still waiting stops (it was superseded)
  const latest = new Map<string, number>();
  let refreshes = 0;
  const revision = () => (guard.newest < 0 ? null : guard.newest);
  return {
    readAt: () => readAt,
    async refresh(until, { timeoutMs = PUSH_REFETCH.timeoutMs, key } = {}) {
      if (!until) {
        await fetchOnce(timeoutMs); // a plain refresh: its failure is the answer
        return { seen: true, superseded: false, fetches: 1, lastError: null, revision: revision() };
      }
      const id = ++refreshes;
      if (key !== undefined) latest.set(key, id);
      try {
        const result = await fetchUntil(fetchOnce, until, {
          ...PUSH_REFETCH,
          timeoutMs,
          superseded: key === undefined ? undefined : () => latest.get(key) !== id,
        });
        return { ...result, revision: revision() };
      } finally {
        if (key !== undefined && latest.get(key) === id) latest.delete(key);
      }
    },
  };
}
