/**
 * The kit's own database (`ficus` on the services cluster): one small knex pool for what the
 * proxy, the control plane and the CLI store there. The tables come from migrations/kit (`ficus migrate kit`).
 */
import type { Knex } from 'knex';
import { createKnex } from './database.ts';
import { loadStackConfig, stackUrls } from '../stack/stack-config.ts';

export function openKitDb(url: string, poolMax = 4): Knex {
  return createKnex(url, { poolMax, acquireConnectionTimeoutMs: 5000 });
}

/** The kit DB's URL: FICUS_KIT_DB_URL, else the embedded stack's `ficus` database. */
export function kitDbUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.FICUS_KIT_DB_URL || stackUrls(loadStackConfig(env)).servicesAdmin('ficus');
}
