/**
 * The library monolith as a program: `node library/legacy/main.ts`, with LIBRARY_DATABASE_URL
 * (the legacy database) and LIBRARY_PORT (default 8090). `--setup` applies the schema and the
 * seed first.
 */
import { createServer, listen } from '../shared/http.ts';
import { createLibraryRouter } from './app.ts';
import { applyLegacySchema, createPool, seedLibrary } from './database.ts';

const url = process.env.LIBRARY_DATABASE_URL;
if (!url) throw new Error('LIBRARY_DATABASE_URL is not set (the legacy database, postgres://...)');
const port = Number(process.env.LIBRARY_PORT ?? 8090);
if (!Number.isInteger(port))
  throw new Error(`LIBRARY_PORT is not a port: ${process.env.LIBRARY_PORT}`);

if (process.argv.includes('--setup')) {
  await applyLegacySchema(url);
  await seedLibrary(url);
}
const pool = createPool(url);
const server = await listen(createServer(createLibraryRouter(pool), 'library'), port);
console.log(`library monolith listening on ${server.url}`);
const stop = async () => {
  await server.close();
  await pool.end();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
