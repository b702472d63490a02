/**
 * Traffic on the lending library through the proxy while ficus moves the circulation desk: one
 * client, one request at a time (so that the holds' queue positions and the returns never race
 * each other), a fixed mix of reads and writes of every route, the moved ones and the monolith's,
 * each carrying one of 24 user ids (canary stickiness: at 50% the chance that none of them lands
 * on the service is 2^-24). Every answer is kept, so that the test can check that each write was
 * answered 2xx or refused with a status and Retry-After, and find each acknowledged write on both
 * sides afterwards.
 *
 *   const traffic = startLibraryTraffic({ proxyUrl, members, isbns, loans, renewable });
 *   await traffic.waitFor((answers) => answers.length > 50, 'fifty answers');
 *   const log = await traffic.stop();
 */
import crypto from 'node:crypto';
import { sleep } from '../../lib/wait.ts';

export type Answer = {
  method: string;
  path: string;
  write: boolean;
  /** undefined: no HTTP answer at all (the connection failed) */
  status?: number;
  retryAfter?: string;
  backend?: string;
  body?: Record<string, unknown>;
  error?: string;
  /** what the write was, for finding it on both sides */
  kind: string;
  ref?: string;
};

export type TrafficSeed = {
  proxyUrl: string;
  /** member ids of the seed */
  members: string[];
  isbns: string[];
  /** loan ids of the seed to read */
  loans: string[];
  /** open loans of the seed with a large history: renewed (the history stays as it is) */
  renewable: string[];
  /** pause between two requests: a trickle, not a benchmark */
  pauseMs?: number;
};

type Step = () => Promise<void>;

export function startLibraryTraffic(seed: TrafficSeed) {
  const answered: Answer[] = [];
  const created: string[] = [];
  let running = true;
  let n = 0;
  const pick = <T>(items: T[]) => items[n % items.length];

  async function call(
    kind: string,
    method: string,
    path: string,
    body?: unknown,
    ref?: string,
  ): Promise<Answer> {
    const write = method !== 'GET';
    const answer: Answer = { kind, method, path, write, ref };
    try {
      const response = await fetch(seed.proxyUrl + path, {
        method,
        headers: {
          'content-type': 'application/json',
          'x-user-id': `patron-${n % 24}`,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      answer.status = response.status;
      answer.retryAfter = response.headers.get('retry-after') ?? undefined;
      answer.backend = response.headers.get('x-ficus-backend') ?? undefined;
      const text = await response.text();
      answer.body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch (error) {
      answer.error = (error as Error).message;
    }
    answered.push(answer);
    return answer;
  }

  const ok = (a: Answer) => a.status !== undefined && a.status >= 200 && a.status < 300;

  const steps: Step[] = [
    async () => void (await call('read', 'GET', '/api/loans/overdue')),
    async () => void (await call('read', 'GET', `/api/loans/${pick(seed.loans)}`)),
    async () => {
      const ref = `loan-${crypto.randomUUID()}`;
      const copyNo = 1 + (n % 3);
      const a = await call(
        'loan',
        'POST',
        '/api/loans',
        { memberId: pick(seed.members), isbn: pick(seed.isbns), copyNo, ref },
        ref,
      );
      if (ok(a)) created.push(a.body!.id as string);
    },
    async () => void (await call('read', 'GET', `/api/titles/${pick(seed.isbns)}/copies`)),
    async () => {
      const ref = `hold-${crypto.randomUUID()}`;
      await call(
        'hold',
        'POST',
        '/api/holds',
        { memberId: pick(seed.members), isbn: pick(seed.isbns) },
        ref,
      );
    },
    async () => void (await call('read', 'GET', `/api/titles/${pick(seed.isbns)}/holds`)),
    async () => {
      // a loan made earlier in this run, returned once (the oldest not yet returned)
      const id = created.shift();
      if (id) await call('return', 'POST', `/api/loans/${id}/return`, undefined, id);
    },
    async () => void (await call('read', 'GET', `/api/titles/${pick(seed.isbns)}`)),
    async () => {
      const id = pick(seed.renewable);
      await call('renew', 'POST', `/api/loans/${id}/renew`, undefined, id);
    },
    async () => {
      const rating = (n % 100) / 10;
      await call('rating', 'PUT', `/api/titles/${pick(seed.isbns)}/rating`, { rating });
    },
    async () => void (await call('read', 'GET', `/api/members/${pick(seed.members)}`)),
    async () => {
      const ref = `member-${crypto.randomUUID()}`;
      await call('member', 'POST', '/api/members', { user: ref, name: `Reader ${n}` }, ref);
    },
  ];

  const waiters: (() => void)[] = [];
  const loop = (async () => {
    while (running) {
      await steps[n % steps.length]();
      n += 1;
      for (const wake of waiters.splice(0)) wake();
      await sleep(seed.pauseMs ?? 150);
    }
  })();

  return {
    answered,
    /** resolves once `condition` holds on what was answered so far (checked after each answer) */
    async waitFor(condition: (answers: Answer[]) => boolean, what: string, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition(answered)) {
        if (!running) throw new Error(`traffic stopped before ${what}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
    async stop(): Promise<Answer[]> {
      running = false;
      await loop;
      return answered;
    },
  };
}
