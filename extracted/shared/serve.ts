/**
 * Runs an extracted service's app until SIGINT/SIGTERM, then stops taking connections, lets the
 * requests in flight finish and closes the DB pool.
 */
import http from 'node:http';
import type { Express } from 'express';
import type { Knex } from 'knex';
import type { Logger } from '../../lib/logger.ts';

export async function serve(
  app: Express,
  options: { port: number; db: Knex; logger: Logger },
): Promise<http.Server> {
  const { port, db, logger } = options;
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  logger.info('listening', { url: `http://127.0.0.1:${port}` });
  const stop = (signal: string) => {
    logger.info('stopping', { signal });
    server.close(() => void db.destroy().finally(() => process.exit(0)));
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}

/** Runs a service's start-up; a bad config or an unreachable port ends it with one clear line. */
export async function runMain(name: string, start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    const code = (error as { code?: string }).code;
    process.stderr.write(
      `${name}: ${(error as Error).message ?? String(error)}${code ? ` [${code}]` : ''}\n`,
    );
    process.exit(1);
  }
}
