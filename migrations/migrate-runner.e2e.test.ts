import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  createTestDatabase,
  templateDatabaseName,
  type TestDatabase,
} from '../test-support/databases.ts';
import { stackUrls } from '../test-support/stack-access.ts';
import { MigrationError, runMigrations } from './migrate-runner.ts';

const migration = (sql: string) =>
  `export async function up(knex) { await knex.raw(${JSON.stringify(sql)}); }\nexport async function down() {}\n`;

let folder: string;
let empty: string;
const databases: TestDatabase[] = [];
const setName = `runner_${process.pid}_${Date.now().toString(36)}`;

beforeAll(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-migrations-'));
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-migrations-empty-'));
  fs.writeFileSync(
    path.join(folder, '0001_a.ts'),
    migration('CREATE TABLE a (id int primary key)'),
  );
  fs.writeFileSync(
    path.join(folder, '0002_b.ts'),
    migration('CREATE TABLE b (id int primary key)'),
  );
  fs.writeFileSync(path.join(folder, '0002_b.test.ts'), 'not a migration');
});

afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
  const admin = new pg.Client({
    connectionString: stackUrls().servicesAdmin('postgres'),
  });
  await admin.connect();
  for (const set of [setName, `${setName}_empty`])
    await admin.query(`DROP DATABASE IF EXISTS "${templateDatabaseName(set)}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(folder, { recursive: true, force: true });
  fs.rmSync(empty, { recursive: true, force: true });
});

async function freshDatabase(directory: string, template: string) {
  const db = await createTestDatabase({ cluster: 'services', template, directory });
  databases.push(db);
  return db;
}

const tables = async (db: TestDatabase) =>
  (
    await db
      .knex('pg_tables')
      .where({ schemaname: 'public' })
      .whereNot('tablename', 'like', 'knex%')
      .pluck('tablename')
  ).sort();

describe('runMigrations', () => {
  it('applies the pending migrations of any folder, in name order, then nothing more', async () => {
    const db = await freshDatabase(empty, `${setName}_empty`);
    const events: string[] = [];
    const first = await runMigrations({
      url: db.url,
      directory: folder,
      onProgress: (e) => events.push(`${e.state} ${e.migration}`),
    });
    expect(first).toEqual({ applied: ['0001_a.ts', '0002_b.ts'], alreadyApplied: 0 });
    expect(events).toEqual([
      'start 0001_a.ts',
      'done 0001_a.ts',
      'start 0002_b.ts',
      'done 0002_b.ts',
    ]);
    expect(await tables(db)).toEqual(['a', 'b']);
    expect(await runMigrations({ url: db.url, directory: folder })).toEqual({
      applied: [],
      alreadyApplied: 2,
    });
  });

  it('names the database and the migration that failed, and rolls that migration back', async () => {
    const db = await freshDatabase(empty, `${setName}_empty`);
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-migrations-broken-'));
    fs.copyFileSync(path.join(folder, '0001_a.ts'), path.join(broken, '0001_a.ts'));
    fs.writeFileSync(
      path.join(broken, '0002_bad.ts'),
      migration('CREATE TABLE c (id int); SELECT no_such_function()'),
    );
    try {
      const attempt = runMigrations({ url: db.url, directory: broken });
      await expect(attempt).rejects.toThrow(MigrationError);
      await expect(attempt).rejects.toThrow(
        new RegExp(
          `migration 0002_bad.ts failed on postgres://ficus:\\*\\*\\*@127.0.0.1:\\d+/${db.name}.*no_such_function`,
        ),
      );
      expect(await tables(db)).toEqual(['a']);
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('createTestDatabase', () => {
  it('migrates a template once per set, clones it per suite, and rebuilds it when the migrations change', async () => {
    const oidOf = async (db: TestDatabase) =>
      (
        await db
          .knex('pg_database')
          .where({ datname: templateDatabaseName(setName) })
          .first('oid')
      ).oid;
    const one = await freshDatabase(folder, setName);
    const two = await freshDatabase(folder, setName);
    expect(one.name).not.toBe(two.name);
    expect(await tables(one)).toEqual(['a', 'b']);
    await one.knex('a').insert({ id: 1 });
    expect(await two.knex('a').count({ n: '*' })).toEqual([{ n: '0' }]);
    expect(await oidOf(two)).toBe(await oidOf(one));

    const templateOid = await oidOf(one);
    fs.writeFileSync(
      path.join(folder, '0003_c.ts'),
      migration('CREATE TABLE c (id int primary key)'),
    );
    const three = await freshDatabase(folder, setName);
    expect(await tables(three)).toEqual(['a', 'b', 'c']);
    expect(await oidOf(three)).not.toBe(templateOid);
  });
});
