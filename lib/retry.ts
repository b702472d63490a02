/**
 * The one retry module of ficus: exponential backoff with full jitter, for transient failures
 * only (a connection lost, a broker or database restarting). Poison input and programming errors
 * are never retried: `isTransient` decides, and anything it does not recognise is not transient.
 */
import { FicusError } from './errors.ts';
import { sleep } from './wait.ts';

export type RetryOptions = {
  /** first delay, ms (doubles each attempt) */
  initialMs: number;
  /** ceiling of one delay, ms */
  maxMs: number;
  /** give up after this many attempts in total; Infinity retries for as long as it takes */
  maxAttempts: number;
  /** called before each wait, for logs and metrics */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** stop early (e.g. shutting down): the last error is thrown */
  shouldStop?: () => boolean;
  random?: () => number;
};

export const DEFAULT_RETRY: RetryOptions = { initialMs: 200, maxMs: 15_000, maxAttempts: Infinity };
/** Faster timings for tests (FICUS_RETRY_FAST=1 or passed explicitly). */
export const FAST_RETRY: RetryOptions = { initialMs: 10, maxMs: 200, maxAttempts: Infinity };

export function retryOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RetryOptions {
  return env.FICUS_RETRY_FAST === '1' ? FAST_RETRY : DEFAULT_RETRY;
}

/** Delay before attempt `attempt + 1`: uniformly random in [0, min(max, initial * 2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'initialMs' | 'maxMs' | 'random'>,
): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round((options.random ?? Math.random)() * ceiling);
}

// SQLSTATE classes and codes where trying again can succeed: connection exceptions (08),
// operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now),
// serialization failure / deadlock (40001, 40P01), too many connections (53300).
const TRANSIENT_SQLSTATES = new Set([
  '25P03', // idle_in_transaction_session_timeout ended the session (apply-batch.ts)
  '57P01',
  '57P02',
  '57P03',
  '40001',
  '40P01',
  '53300',
  '53400',
]);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
]);
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /connection.*(closed|ended)/i,
  /Client has encountered a connection error/i,
  /timeout exceeded when trying to connect/i,
];

export function isTransient(error: unknown): boolean {
  if (error instanceof FicusError) return error.retriable;
  if (!error || typeof error !== 'object') return false;
  const e = error as {
    code?: unknown;
    retriable?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  if (typeof e.retriable === 'boolean' && e.retriable) return true; // kafkajs marks its own errors
  if (typeof e.code === 'string') {
    if (
      e.code.startsWith('08') ||
      TRANSIENT_SQLSTATES.has(e.code) ||
      TRANSIENT_NODE_CODES.has(e.code)
    )
      return true;
  }
  if (
    typeof e.name === 'string' &&
    /^KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout|BrokerNotFound)/.test(e.name)
  )
    return true;
  if (
    typeof e.message === 'string' &&
    TRANSIENT_MESSAGES.some((re) => re.test(e.message as string))
  )
    return true;
  return e.cause !== undefined && e.cause !== error ? isTransient(e.cause) : false;
}

/** Runs `work` until it succeeds; retries only transient errors, with backoff and jitter. */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!isTransient(error) || attempt >= options.maxAttempts || options.shouldStop?.())
        throw error;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
