/**
 * Reading the flags from Unleash now, on top of unleash-client's polling: the control plane asks
 * each proxy to (POST /admin/flags/refresh) right after it changed a stage, so that the change
 * reaches the fleet in the time of a round trip instead of a polling interval. Unleash stays the
 * source of truth: what is fetched here is the same client API answer the client polls for, handed
 * to the client's own repository, which then evaluates it as it would its own poll's.
 *
 * unleash-client has no public "fetch now" (its repository's `fetch()` starts a second polling
 * timer each time it is called), so the fetch is ours and the answer goes to `repository.save`.
 * Answers carry Unleash's revision id; the repository is wrapped so that an older answer (a poll
 * that was under way when the stage changed) never replaces a newer one: a proxy that reported
 * routing by a stage does not fall back to the one before.
 */
import type { Unleash } from 'unleash-client';
import { sleep } from '../../lib/wait.ts';

type ClientAnswer = { features?: unknown[]; meta?: { revisionId?: number } };

/** The part of unleash-client's (private) repository used here. */
type Repository = {
  save(response: ClientAnswer & { type: string }, fromApi: boolean): Promise<void>;
  etag: string | undefined;
  on(event: string, listener: () => void): void;
};

export type FlagRefresh = {
  /** when the client last had an answer from Unleash (Date.now()); null: not yet */
  readAt(): number | null;
  /**
   * Fetches the flags now and hands them to the client; with `until`, fetches again every
   * `intervalMs` until it holds or `timeoutMs` passed (Unleash serves a new revision within about
   * a second of the change). Resolves with whether `until` held.
   */
  refresh(
    until?: () => boolean,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<{ matched: boolean; fetches: number }>;
};

export function flagRefresh(
  client: Unleash,
  options: { url: string; token: string; appName: string },
): FlagRefresh {
  const repository = (client as unknown as { repository: Repository }).repository;
  let newest = -1;
  let readAt: number | null = null;
  const save = repository.save.bind(repository);
  repository.save = async (response, fromApi) => {
    const revision = response.meta?.revisionId;
    if (fromApi && typeof revision === 'number') {
      if (revision < newest) return; // an older answer than one already applied
      newest = revision;
    }
    if (fromApi) readAt = Date.now();
    return save(response, fromApi);
  };
  repository.on('unchanged', () => (readAt = Date.now()));

  const fetchOnce = async () => {
    const response = await fetch(`${options.url}/client/features`, {
      headers: {
        authorization: options.token,
        'unleash-appname': options.appName,
        'unleash-client-spec': '5.2.0',
      },
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`Unleash answered ${response.status} to a flag refresh`);
    const answer = (await response.json()) as ClientAnswer;
    if (!Array.isArray(answer.features)) throw new Error('Unleash answered without features');
    await repository.save({ ...answer, type: 'full' }, true);
    // the client's next poll asks "changed since this?" and gets a 304 if nothing did
    const etag = response.headers.get('etag');
    if (etag && (answer.meta?.revisionId ?? -1) >= newest) repository.etag = etag;
  };

  return {
    readAt: () => readAt,
    async refresh(until, { timeoutMs = 3000, intervalMs = 100 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (let fetches = 1; ; fetches++) {
        await fetchOnce();
        const matched = until ? until() : true;
        if (matched || Date.now() + intervalMs > deadline) return { matched, fetches };
        await sleep(intervalMs);
      }
    },
  };
}
