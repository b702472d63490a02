/**
 * The circulation service as a program: `node library/circulation/main.ts`, with
 * CIRCULATION_DATABASE_URL (its own database, as its own login role) and CIRCULATION_PORT
 * (default 8091).
 */
import pg from 'pg';
import { createServer, listen } from '../shared/http.ts';
import { createCirculationRouter } from './app.ts';

const url = process.env.CIRCULATION_DATABASE_URL;
if (!url)
  throw new Error('CIRCULATION_DATABASE_URL is not set (the service database, postgres://...)');
const port = Number(process.env.CIRCULATION_PORT ?? 8091);
if (!Number.isInteger(port))
  throw new Error(`CIRCULATION_PORT is not a port: ${process.env.CIRCULATION_PORT}`);

const pool = new pg.Pool({ connectionString: url, max: 5 });
const server = await listen(createServer(createCirculationRouter(pool), 'circulation'), port);
console.log(`circulation service listening on ${server.url}`);
const stop = async () => {
  await server.close();
  await pool.end();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
