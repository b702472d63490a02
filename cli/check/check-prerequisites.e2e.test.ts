/**
 * `ficus check` on a monolith that is not ready, as a user runs it against the embedded stack: a
 * scratch legacy database and service database of this test's own, where each prerequisite is
 * missing (a table with no key at all, one whose only key is not the plan's, a table whose plan
 * key is not its primary key in a publication without FULL replica identity, a publication that
 * misses a table and does not publish updates, a target column of a type the value cannot be
 * placed in, a target without a unique key to upsert on, Unleash tokens it refuses). Each finding
 * names what, where and the fix; the test runs the SQL the findings print, puts the right tokens
 * back, and the check holds (exit 0). `connectors apply` refuses the keyless table with the same
 * finding before it creates anything.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { jest } from '@jest/globals';
import { REPO_ROOT } from '../../stack/stack-config.ts';
import { sql, urls } from '../../test-support/sink-e2e-harness.ts';
import { stackFicusConfig, writeTestDatabasesConfig } from '../../test-support/stack-access.ts';
import type { CheckReport, CheckResult } from './check-result.ts';

jest.setTimeout(240_000);

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-check-prereq-'));
const id = randomBytes(4).toString('hex');
const legacyDb = `prereql_${id}`;
const serviceDb = `prereqs_${id}`;
const service = `shelf${id}`;
const publication = `ficus_${service}_forward`;

async function ficus(args: string[], configFile: string) {
  const argv = [path.join(REPO_ROOT, 'bin/ficus.js'), ...args, '--config', configFile];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { timeout: 180_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code ?? -1 };
  }
}

async function ficusCheck(configFile: string): Promise<{ report: CheckReport; code: number }> {
  const { stdout, stderr, code } = await ficus(['check', '--json'], configFile);
  if (!stdout) throw new Error(`ficus check failed: ${stderr}`);
  return { report: JSON.parse(stdout), code };
}

/** The SQL statements a fix prints before its alternatives: what a user would paste first. */
const firstSql = (fix: string) => fix.split(/ or | \(or /)[0].trim();

function writeConfig(name: string, tokens: { admin: string; client: string }): string {
  const file = writeTestDatabasesConfig(path.join(dir, `${name}.config.yaml`), {
    planFile: path.join(dir, 'plan.yaml'),
    legacyDatabase: legacyDb,
    services: { [service]: serviceDb },
  });
  const document = YAML.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(path.join(dir, `${name}.admin`), tokens.admin);
  fs.writeFileSync(path.join(dir, `${name}.client`), tokens.client);
  document.unleash.adminToken = { file: path.join(dir, `${name}.admin`) };
  document.unleash.clientToken = { file: path.join(dir, `${name}.client`) };
  fs.writeFileSync(file, YAML.stringify(document));
  return file;
}

const tokenOf = (which: 'unleash-admin-token' | 'unleash-client-token') => {
  const { adminToken, clientToken } = stackFicusConfig().unleash;
  return (which === 'unleash-admin-token' ? adminToken : clientToken) ?? '';
};

beforeAll(async () => {
  await sql(urls.legacyAdmin('postgres'), `CREATE DATABASE ${legacyDb}`);
  await sql(urls.servicesAdmin('postgres'), `CREATE DATABASE ${serviceDb}`);
  await sql(
    urls.legacyAdmin(legacyDb),
    `CREATE TABLE events (ref text NOT NULL, body text);
     CREATE TABLE tags (label text NOT NULL, slug text NOT NULL UNIQUE);
     CREATE TABLE skus (id int PRIMARY KEY, code text NOT NULL UNIQUE, note text);
     CREATE TABLE notes (id int PRIMARY KEY, body text);
     CREATE PUBLICATION ${publication} FOR TABLE skus WITH (publish = 'insert')`,
  );
  await sql(
    urls.servicesAdmin(serviceDb),
    `CREATE TABLE events (ref text PRIMARY KEY, body text);
     CREATE TABLE tags (label text PRIMARY KEY, slug text);
     CREATE TABLE skus (code text PRIMARY KEY, id int, note text);
     CREATE TABLE notes (id int PRIMARY KEY, body jsonb)`,
  );
  fs.writeFileSync(
    path.join(dir, 'plan.yaml'),
    YAML.stringify({
      version: 1,
      legacy: { database: legacyDb },
      services: {
        [service]: {
          database: serviceDb,
          owns: [
            { source: 'events', target: 'events', key: ['ref'] },
            { source: 'tags', target: 'tags', key: ['label'] },
            { source: 'skus', target: 'skus', key: ['code'] },
          ],
          replicates: [{ source: 'notes', target: 'notes', key: ['id'] }],
        },
      },
    }),
  );
});

afterAll(async () => {
  await sql(urls.legacyAdmin('postgres'), `DROP DATABASE IF EXISTS ${legacyDb} WITH (FORCE)`);
  await sql(urls.servicesAdmin('postgres'), `DROP DATABASE IF EXISTS ${serviceDb} WITH (FORCE)`);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a monolith that is not ready', () => {
  const findings = new Map<string, CheckResult>();
  const finding = (name: string) => {
    const found = findings.get(name);
    if (!found) throw new Error(`no finding "${name}"; found: ${[...findings.keys()].join(' | ')}`);
    return found;
  };

  it('is refused by connectors apply, with the key finding, before anything is created', async () => {
    const config = writeConfig('good', {
      admin: tokenOf('unleash-admin-token'),
      client: tokenOf('unleash-client-token'),
    });
    const { stderr, code } = await ficus(['connectors', 'apply', service], config);
    expect(code).not.toBe(0);
    expect(stderr).toContain('public.events has a key: public.events has no primary key');
    expect(stderr).toContain('ALTER TABLE "public"."events" ADD PRIMARY KEY ("ref");');
    const { rows } = await sql(
      urls.legacyAdmin(legacyDb),
      "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'ficus_cdc'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('is refused by sync and by a stage advance, with the same findings', async () => {
    const config = writeConfig('good', {
      admin: tokenOf('unleash-admin-token'),
      client: tokenOf('unleash-client-token'),
    });
    const sync = await ficus(['sync', service, '--direction', 'forward'], config);
    expect(sync.code).not.toBe(0);
    expect(sync.stderr).toContain(`ficus sync ${service} --direction forward refused`);
    expect(sync.stderr).toContain('FAIL  legacy database: public.events has a key');
    expect(sync.stderr).toContain('fix: ALTER TABLE "public"."events" ADD PRIMARY KEY ("ref");');
    const stage = await ficus(['stage', service, 'shadow', '--why', 'test'], config);
    expect(stage.code).not.toBe(0);
    expect(stage.stderr).toContain(`ficus stage ${service} shadow refused`);
    expect(stage.stderr).toContain('FAIL  legacy database: public.events has a key');
    const wrongToken = writeConfig('wrong', {
      admin: 'not-a-token',
      client: tokenOf('unleash-client-token'),
    });
    const refused = await ficus(['stage', service, 'shadow', '--why', 'test'], wrongToken);
    expect(refused.stderr).toContain('FAIL  Unleash accepts the admin token');
    expect(refused.stderr).toContain('fix: set `unleash.adminToken`');
  });

  it('lists each missing prerequisite with what, where and the fix, and exits 1', async () => {
    const config = writeConfig('bad', {
      admin: 'not-a-token',
      client: tokenOf('unleash-admin-token'),
    });
    const { report, code } = await ficusCheck(config);
    expect({ ok: report.ok, code }).toEqual({ ok: false, code: 1 });
    for (const c of report.checks.filter((c) => !c.ok)) findings.set(c.name, c);

    expect(finding('legacy database: public.events has a key')).toMatchObject({
      detail: expect.stringContaining(
        `public.events has no primary key and no unique key on the plan's key (ref, \`services.${service}.owns[0].key\`)`,
      ),
      fix: expect.stringContaining('ALTER TABLE "public"."events" ADD PRIMARY KEY ("ref");'),
    });
    const tags = finding('legacy database: public.tags has a key');
    expect(tags.detail).toContain('its unique keys: tags_slug_key (slug)');
    expect(tags.fix).toContain(
      `or set \`services.${service}.owns[1].key\` to its unique key [slug]`,
    );
    expect(tags.fix).toContain('or CREATE UNIQUE INDEX ON "public"."tags" ("label");');
    expect(finding('legacy database: public.skus has the replica identity it needs')).toMatchObject(
      {
        detail: expect.stringContaining(
          "DEFAULT, but FULL is needed (the plan's key (code) is not the primary key (id))",
        ),
        fix: 'ALTER TABLE "public"."skus" REPLICA IDENTITY FULL;',
      },
    );
    expect(
      finding(`legacy database: publication ${publication} covers the captured tables`),
    ).toMatchObject({
      detail: expect.stringContaining(
        'does not publish public.events, public.tags, public.notes; does not publish update, delete, truncate',
      ),
      fix: expect.stringContaining(
        `ALTER PUBLICATION "${publication}" ADD TABLE "public"."events", "public"."tags", "public"."notes"; ALTER PUBLICATION "${publication}" SET (publish = 'insert, update, delete, truncate');`,
      ),
    });
    expect(
      finding(`${service}: notes -> notes: the forward sink can write public.notes`),
    ).toMatchObject({
      detail: expect.stringContaining(
        'column "body" is of type jsonb but expression is of type text',
      ),
      fix: expect.stringContaining(
        `convert it in the plan (\`services.${service}.replicates[0].columns.<column>.type\``,
      ),
    });
    expect(finding('Unleash accepts the admin token')).toMatchObject({
      detail: expect.stringContaining('answers 401: the token is refused'),
      fix: 'set `unleash.adminToken` to an admin API token of this Unleash instance',
    });
    expect(finding('Unleash accepts the client token')).toMatchObject({
      detail: expect.stringContaining('the token is refused'),
      fix: expect.stringContaining('set `unleash.clientToken` to a client API token'),
    });
  });

  it('holds once the printed fixes are applied, and exits 0', async () => {
    const legacySql = [
      firstSql(finding('legacy database: public.events has a key').fix!),
      firstSql(finding('legacy database: public.skus has the replica identity it needs').fix!),
      firstSql(
        finding(`legacy database: publication ${publication} covers the captured tables`).fix!,
      ),
    ];
    await sql(urls.legacyAdmin(legacyDb), legacySql.join(' '));
    // tags: the unique key the finding offers instead of a primary key, named in the plan
    const plan = YAML.parse(fs.readFileSync(path.join(dir, 'plan.yaml'), 'utf8'));
    plan.services[service].owns[1].key = ['slug'];
    fs.writeFileSync(path.join(dir, 'plan.yaml'), YAML.stringify(plan));
    // the service's tables are the service's migrations to fix: the key to upsert on, the type
    await sql(
      urls.servicesAdmin(serviceDb),
      'ALTER TABLE notes ALTER COLUMN body TYPE text; ALTER TABLE tags DROP CONSTRAINT tags_pkey; ALTER TABLE tags ADD PRIMARY KEY (slug)',
    );
    const config = writeConfig('fixed', {
      admin: tokenOf('unleash-admin-token'),
      client: tokenOf('unleash-client-token'),
    });

    // tags is published now, and has no primary key: its replica identity must be FULL from now on
    // (without one, PostgreSQL refuses every UPDATE of it: the reverse sink's upsert is refused too)
    const published = await ficusCheck(config);
    const drift = published.report.checks.filter((c) => !c.ok);
    expect(drift).toEqual([
      {
        name: 'legacy database: public.tags has the replica identity it needs',
        ok: false,
        detail:
          "DEFAULT, but FULL is needed (it has no primary key): updates and deletes do not carry the plan key's old values",
        fix: 'ALTER TABLE "public"."tags" REPLICA IDENTITY FULL;',
      },
      {
        name: `${service}: tags -> tags: the reverse sink can write public.tags`,
        ok: false,
        detail: expect.stringContaining(
          'cannot update table "tags" because it does not have a replica identity and publishes updates',
        ),
        fix: 'ALTER TABLE "public"."tags" REPLICA IDENTITY FULL;',
      },
    ]);
    expect(published.code).toBe(1);
    await sql(urls.legacyAdmin(legacyDb), drift[0].fix!);

    const { report, code } = await ficusCheck(config);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect({ ok: report.ok, code }).toEqual({ ok: true, code: 0 });
    expect(
      report.checks.find((c) => c.name === 'legacy database: public.tags has a key')?.detail,
    ).toBe(
      "no primary key; unique key tags_slug_key (slug) is the plan's key: ficus names it to Debezium (message.key.columns)",
    );
  });
});

describe('a target without a unique key on the plan key', () => {
  it('is a finding with the SQL that adds it', async () => {
    await sql(urls.servicesAdmin(serviceDb), 'ALTER TABLE events DROP CONSTRAINT events_pkey');
    const config = writeConfig('nokey', {
      admin: tokenOf('unleash-admin-token'),
      client: tokenOf('unleash-client-token'),
    });
    const before = await ficusCheck(config);
    const failed = before.report.checks.filter((c) => !c.ok);
    // the reverse connector captures the service's events at the cut-over: it needs a key there too
    expect(failed.map((c) => c.name)).toEqual([
      `${service}'s database: public.events has a key`,
      `${service}: events -> events: the forward sink can write public.events`,
    ]);
    expect(before.code).toBe(1);
    expect(failed[0].fix).toContain('ALTER TABLE "public"."events" ADD PRIMARY KEY ("ref");');
    expect(failed[1].detail).toContain(
      'there is no unique or exclusion constraint matching the ON CONFLICT specification',
    );
    expect(failed[1].fix).toContain('ALTER TABLE "public"."events" ADD PRIMARY KEY ("ref");');
    await sql(urls.servicesAdmin(serviceDb), firstSql(failed[1].fix!));
    const after = await ficusCheck(config);
    expect({ failed: after.report.checks.filter((c) => !c.ok), code: after.code }).toEqual({
      failed: [],
      code: 0,
    });
  });
});
