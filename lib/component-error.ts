/**
 * An error about a part of the environment (a database, Kafka, Connect, Unleash) that a user can
 * act on: it names the part, its address (password masked), the configuration key that set it
 * and what to do. `reaching(component, work)` turns what drivers throw when they cannot get there
 * (`ECONNREFUSED`, an unknown host, a failed login, a missing database) into that; anything else
 * passes through unchanged.
 *
 * @example
 *   await reaching(databaseComponent(config, config.legacy.database), () => pool.query('SELECT 1'));
 *   // legacy (postgres://ficus@localhost:5999/app, legacy.url in ficus.config.yaml): connection
 *   // refused — is the database running and reachable from here?
 */
import path from 'node:path';
import type { DatabaseConfig, FicusConfig } from './config/index.ts';
import { maskUrl, maskUrlsIn } from './config/mask.ts';
import { FicusError } from './errors.ts';

export type Component = {
  /** what it is, in words: "database", "Kafka", "Kafka Connect", "Unleash" */
  kind: string;
  /** the configuration key that set it, e.g. `services.catalog.database.url` */
  key: string;
  /** where it is, password masked */
  address: string;
  /** the configuration file (or variable) the key is in */
  source: string;
};

/** The part that failed, what went wrong and what to do about it. */
export class ComponentError extends FicusError {
  readonly component: Component;
  constructor(component: Component, reason: string, advice: string, cause: unknown) {
    super(
      'component_unreachable',
      `${component.key} (${component.address}, from ${component.source}): ${reason} — ${advice}`,
      { retriable: true, cause, details: { ...component } },
    );
    this.component = component;
  }
}

type Failure = { code?: string; message: string };

/** The error and its causes (kafkajs and AggregateError nest the socket's error). */
function failures(error: unknown): Failure[] {
  const out: Failure[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    out.push({ code: typeof code === 'string' ? code : undefined, message: String(message ?? '') });
    visit((e as { cause?: unknown }).cause);
    visit((e as { originalError?: unknown }).originalError);
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) visit(inner);
  };
  visit(error);
  return out;
}

const has = (all: Failure[], code: string) =>
  all.some((f) => f.code === code || f.message.includes(code));

/** Why a component could not be reached and what to do; undefined when the error is not that. */
export function explainFailure(
  component: Component,
  error: unknown,
): { reason: string; advice: string } | undefined {
  const all = failures(error);
  const what = component.kind === 'database' ? 'the database' : component.kind;
  if (has(all, 'ECONNREFUSED'))
    return {
      reason: 'connection refused',
      advice: `is ${what} running and reachable from here?`,
    };
  if (has(all, 'ENOTFOUND') || has(all, 'EAI_AGAIN'))
    return {
      reason: 'host name not found',
      advice: `check the host in ${component.key}`,
    };
  if (has(all, 'ETIMEDOUT') || has(all, 'EHOSTUNREACH') || has(all, 'ENETUNREACH'))
    return {
      reason: 'no answer (timed out or unreachable)',
      advice: `is ${what} running, and does a firewall let this machine through?`,
    };
  if (has(all, 'ECONNRESET'))
    return {
      reason: 'connection reset',
      advice: `is ${component.address} really ${what} (and does it expect TLS)?`,
    };
  // PostgreSQL's own refusals (SQLSTATE)
  if (has(all, '28P01'))
    return {
      reason: 'password authentication failed',
      advice: `check the user in ${component.key} and the password its configuration names`,
    };
  if (has(all, '3D000'))
    return {
      reason: 'the database does not exist',
      advice: `create it, or fix the database name in ${component.key}`,
    };
  const refused = all.find((f) => f.code === '28000');
  if (refused)
    return {
      reason: `login refused (${maskUrlsIn(refused.message)})`,
      advice: 'ask the DBA for a pg_hba.conf entry and CONNECT on the database for this user',
    };
  return undefined;
}

export function componentError(component: Component, error: unknown): unknown {
  if (error instanceof ComponentError) return error;
  const explained = explainFailure(component, error);
  return explained
    ? new ComponentError(component, explained.reason, explained.advice, error)
    : error;
}

/** Runs `work`; a failure to reach `component` becomes a ComponentError naming it. */
export async function reaching<T>(component: Component, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw componentError(component, error);
  }
}

/** How the configuration file is named in messages: relative to here when inside. */
export function configSource(config: Pick<FicusConfig, 'file' | 'origin'>, cwd = process.cwd()) {
  const relative = path.relative(cwd, config.file);
  const name = relative && !relative.startsWith('..') ? relative : config.file;
  return config.origin === 'stack' ? `the embedded stack's ${name}` : name;
}

/** A database of the configuration (its `key` says which; the URL's key is `<key>.url`). */
export function databaseComponent(config: FicusConfig, db: DatabaseConfig): Component {
  const fromEnv = /\(from (\w+)\)$/.exec(db.key);
  return {
    kind: 'database',
    key: fromEnv ? db.key.replace(/ \(from \w+\)$/, '') : `${db.key}.url`,
    address: db.display,
    source: fromEnv ? `environment variable ${fromEnv[1]}` : configSource(config),
  };
}

export const kafkaComponent = (config: FicusConfig): Component => ({
  kind: 'Kafka',
  key: 'kafka.brokers',
  address: config.kafka.brokers.join(','),
  source: configSource(config),
});

export const connectComponent = (config: FicusConfig): Component => ({
  kind: 'Kafka Connect',
  key: 'connect.url',
  address: maskUrl(config.connect.url),
  source: configSource(config),
});

export const unleashComponent = (config: FicusConfig): Component => ({
  kind: 'Unleash',
  key: 'unleash.url',
  address: maskUrl(config.unleash.url),
  source: configSource(config),
});
