/**
 * The monolith's database: its schema and its seed, both plain SQL files beside this one, applied
 * as whoever the URL names (the library's owner role, so that the tables are its own).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));

async function runFile(url: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(fs.readFileSync(path.join(here, file), 'utf8'));
  } finally {
    await client.end();
  }
}

export const applyLegacySchema = (url: string) => runFile(url, 'schema.sql');
export const seedLibrary = (url: string) => runFile(url, 'seed.sql');

export const createPool = (url: string) => new pg.Pool({ connectionString: url, max: 5 });
