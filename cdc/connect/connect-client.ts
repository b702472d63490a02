/**
 * A typed client of the Kafka Connect REST API (fetch-based, no dependencies).
 *
 *   const connect = createConnectClient({ url: loadConfig().connect.url });
 *   await connect.put('ficus.catalog.forward', config);       // create or update
 *   const status = await connect.status('ficus.catalog.forward');
 *
 * Every failure is a ConnectError carrying the HTTP status and Connect's own message; whether a
 * retry could help is data on the error (409 = rebalance in progress, 5xx, network errors), so
 * callers can decide without parsing messages.
 */
import { FicusError } from '../../lib/errors.ts';
import { backoffDelay, type RetryOptions } from '../../lib/retry.ts';
import { sleep } from '../../lib/wait.ts';

export type ConnectorConfig = Record<string, string>;
export type ConnectorState =
  'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'UNASSIGNED' | 'RESTARTING';
export type TaskStatus = { id: number; state: ConnectorState; worker_id: string; trace?: string };
export type ConnectorStatus = {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: TaskStatus[];
  type: 'source' | 'sink';
};
export type ConnectorInfo = {
  name: string;
  config: ConnectorConfig;
  tasks: { connector: string; task: number }[];
  type: 'source' | 'sink';
};
export type ConnectorOffsets = {
  offsets: { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[];
};
export type PluginInfo = { class: string; type: string; version: string };

export class ConnectError extends FicusError {
  constructor(
    message: string,
    options: { status: number; retriable: boolean; connectMessage?: string; cause?: unknown },
  ) {
    super('connect_error', message, {
      status: options.status,
      retriable: options.retriable,
      details: { httpStatus: options.status, connectMessage: options.connectMessage },
      cause: options.cause,
    });
  }
  get httpStatus(): number {
    return this.status;
  }
}

export type ConnectClientOptions = {
  /** e.g. http://127.0.0.1:18083 */
  url: string;
  /** per request; Connect itself answers within 90 s at worst */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** how often a 409 (rebalance, stale configuration) is asked again; default 8 times, 0.2–2 s apart */
  rebalanceRetry?: RetryOptions;
};

/**
 * Connect answers 409 while its workers rebalance or while a worker's view of the configuration is
 * behind a change just made ("Cannot complete request momentarily due to stale configuration"):
 * the request was not carried out, so asking again is safe, for every method. Other failures are
 * left to the caller (a 5xx or a lost connection may have been carried out).
 */
const REBALANCE_RETRY: RetryOptions = { initialMs: 200, maxMs: 2_000, maxAttempts: 8 };

const isRetriableStatus = (status: number) => status === 409 || status === 429 || status >= 500;

export function createConnectClient(options: ConnectClientOptions) {
  if (!/^https?:\/\//.test(options.url)) {
    throw new FicusError(
      'config_invalid',
      `Connect URL must start with http:// or https://, got "${options.url}"`,
      { status: 400 },
    );
  }
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;

  const rebalanceRetry = options.rebalanceRetry ?? REBALANCE_RETRY;

  async function send<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sendOnce<T>(method, path, body);
      } catch (error) {
        const rebalancing = error instanceof ConnectError && error.httpStatus === 409;
        if (!rebalancing || attempt >= rebalanceRetry.maxAttempts) throw error;
        await sleep(backoffDelay(attempt, rebalanceRetry));
      }
    }
  }

  async function sendOnce<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const what = `${method} ${base}${path}`;
    let response: Response;
    try {
      response = await doFetch(base + path, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ConnectError(
        `${what}: Kafka Connect is not reachable (${(error as Error).message})`,
        { status: 503, retriable: true, cause: error },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let connectMessage = text;
      try {
        connectMessage = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the raw body
      }
      throw new ConnectError(`${what}: HTTP ${response.status}: ${connectMessage}`, {
        status: response.status,
        retriable: isRetriableStatus(response.status),
        connectMessage,
      });
    }
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  const request = async <T>(method: string, path: string, body?: unknown) =>
    (await send<T>(method, path, body)).body;

  const c = (name: string) => `/connectors/${encodeURIComponent(name)}`;

  return {
    url: base,
    /** names of all connectors */
    list: () => request<string[]>('GET', '/connectors'),
    /** every connector with its status, in one call */
    listStatuses: async () =>
      Object.values(
        await request<Record<string, { status: ConnectorStatus }>>(
          'GET',
          '/connectors?expand=status',
        ),
      ).map((e) => e.status),
    get: (name: string) => request<ConnectorInfo>('GET', c(name)),
    getConfig: (name: string) => request<ConnectorConfig>('GET', `${c(name)}/config`),
    /** creates or updates; `created` says which */
    put: async (name: string, config: ConnectorConfig) => {
      const { status, body } = await send<ConnectorInfo>('PUT', `${c(name)}/config`, {
        ...config,
        name,
      });
      return { info: body, created: status === 201 };
    },
    /** creates a connector that does not run yet (STOPPED): its offsets can be set first */
    createStopped: (name: string, config: ConnectorConfig) =>
      request<ConnectorInfo>('POST', '/connectors', {
        name,
        config: { ...config, name },
        initial_state: 'STOPPED',
      }),
    status: (name: string) => request<ConnectorStatus>('GET', `${c(name)}/status`),
    /** undefined when the connector does not exist */
    findStatus: async (name: string) => {
      try {
        return await request<ConnectorStatus>('GET', `${c(name)}/status`);
      } catch (error) {
        if (error instanceof ConnectError && error.httpStatus === 404) return undefined;
        throw error;
      }
    },
    restart: (name: string, opts: { includeTasks?: boolean; onlyFailed?: boolean } = {}) =>
      request<ConnectorStatus | undefined>(
        'POST',
        `${c(name)}/restart?includeTasks=${opts.includeTasks ?? false}&onlyFailed=${opts.onlyFailed ?? false}`,
      ),
    restartTask: (name: string, task: number) =>
      request<void>('POST', `${c(name)}/tasks/${task}/restart`),
    pause: (name: string) => request<void>('PUT', `${c(name)}/pause`),
    resume: (name: string) => request<void>('PUT', `${c(name)}/resume`),
    /** stops the connector and its tasks but keeps its config (needed before altering offsets) */
    stop: (name: string) => request<void>('PUT', `${c(name)}/stop`),
    delete: (name: string) => request<void>('DELETE', c(name)),
    getOffsets: (name: string) => request<ConnectorOffsets>('GET', `${c(name)}/offsets`),
    /** the connector must be STOPPED */
    alterOffsets: (name: string, offsets: ConnectorOffsets) =>
      request<{ message: string }>('PATCH', `${c(name)}/offsets`, offsets),
    /** the connector must be STOPPED */
    resetOffsets: (name: string) => request<{ message: string }>('DELETE', `${c(name)}/offsets`),
    plugins: () => request<PluginInfo[]>('GET', '/connector-plugins'),
    /** Connect's version and Kafka cluster id: a cheap health check */
    info: () => request<{ version: string; commit: string; kafka_cluster_id: string }>('GET', '/'),
  };
}

export type ConnectClient = ReturnType<typeof createConnectClient>;
