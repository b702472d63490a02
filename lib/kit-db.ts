/**
 * The kit's own database (`ficus` on the services cluster): one small knex pool for what the
 * proxy, the control plane and the CLI store there. The tables come from migrations/kit (`ficus migrate kit`).
 */
import type { Knex } from 'knex';
import { loadConfig } from './config/index.ts';
import { createKnex } from './database.ts';

export function openKitDb(url: string, poolMax = 4): Knex {
  return createKnex(url, { poolMax, acquireConnectionTimeoutMs: 5000 });
}

/** The kit DB's URL: the configuration's `kit:` (FICUS_KIT_DB_URL overrides it). */
export function kitDbUrl(env: NodeJS.ProcessEnv = process.env): string {
  return loadConfig({ env }).kit.database.url;
}
