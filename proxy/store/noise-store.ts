/**
 * Learned comparison noise, kept in the kit DB so that a restarted proxy does not have to learn
 * it again. Failing to load or save only costs a re-calibration, so errors are logged, not thrown.
 */
import type { Knex } from 'knex';
import type { Logger } from '../../lib/logger.ts';

export const NOISE_TABLE = 'proxy_noise';

export async function loadNoise(db: Knex, log: Logger): Promise<Record<string, string[]>> {
  try {
    const rows: { route: string; path: string }[] = await db(NOISE_TABLE).select('route', 'path');
    const out: Record<string, string[]> = {};
    for (const r of rows) (out[r.route] ??= []).push(r.path);
    return out;
  } catch (error) {
    log.warn('could not load learned noise from the kit DB; calibrating afresh', {
      error: (error as Error).message,
    });
    return {};
  }
}

export async function saveNoise(
  db: Knex,
  route: string,
  paths: string[],
  log: Logger,
): Promise<void> {
  try {
    await db(NOISE_TABLE)
      .insert(paths.map((path) => ({ route, path })))
      .onConflict(['route', 'path'])
      .ignore();
  } catch (error) {
    log.warn('could not save learned noise', { route, error: (error as Error).message });
  }
}
