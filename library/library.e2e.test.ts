/**
 * The second example, end to end: the lending library (library/), a monolith unlike the shop
 * (node:http and plain SQL; uuid keys the application makes, a composite natural key, a join
 * table, a schema that is not `public`, enums, jsonb, TOASTed values, a column named "order", a
 * bigserial), migrated by ficus installed from the packed tarball into a project of its own:
 * `ficus check` before and after the team prepares its systems, `ficus init --from` on its
 * database, then the circulation service taken from `legacy` through `shadow`, `canary` and the
 * write cut-over to `live` and `complete` while a client keeps reading and writing through the
 * proxy. At the end: `ficus verify` clean, every acknowledged write exactly once on each side, no
 * write dropped, and the moved legacy tables fenced.
 *
 * The databases are the shared stack's clusters under names of this run's own (random suffix);
 * the monolith and the service run in this process, the proxy and the sync workers as the
 * installed package's programs, as a supervisor would run them. The tests run in order, each on
 * what the one before left, as a user's session goes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';
import { waitFor } from '../lib/wait.ts';
import { freePort } from '../test-support/foreign-cluster.ts';
import {
  adminSql,
  createLibraryDatabases,
  libraryPlan,
  writeLibraryProject,
  type LibraryDatabases,
} from '../test-support/library/library-project.ts';
import { startLibraryTraffic, type Answer } from '../test-support/library/library-traffic.ts';
import {
  installedFicus,
  type CommandResult,
  type InstalledFicus,
  type RunOptions,
} from '../test-support/packed-ficus.ts';
import { stackFicusConfig, stackUnleashAdmin } from '../test-support/stack-access.ts';
import { createCirculationRouter } from './circulation/app.ts';
import { createPool } from './legacy/database.ts';
import { createLibraryRouter } from './legacy/app.ts';
import { createServer, listen } from './shared/http.ts';

const suffix = crypto.randomBytes(3).toString('hex');
const MOVED = ['copies', 'loans', 'holds'];

let library: LibraryDatabases;
let ficus: InstalledFicus;
let project: string;
let options: RunOptions;
let service: string;
const closers: (() => Promise<void>)[] = [];
const children: ChildProcess[] = [];
/** what every command and program said, kept for a failure's diagnosis */
const LOG = path.join(os.tmpdir(), `ficus-library-e2e-${suffix}.log`);
const say = (text: string) => fs.appendFileSync(LOG, text);

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const result = await ficus.run(args, {
    ...options,
    env: { ...options.env, ...env },
    timeoutMs: 300_000,
  });
  say(`$ ficus ${args.join(' ')} -> ${result.code}\n${result.stdout}${result.stderr}\n`);
  return result;
}

async function ficusOk(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const result = await run(args, env);
  if (result.code !== 0)
    throw new Error(
      `ficus ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  return result;
}

/** A long-running program of the installed package, in a process group of its own. */
function supervise(name: string, child: ChildProcess): ChildProcess {
  children.push(child);
  const log = (d: Buffer) => say(`[${name}] ${d.toString()}`);
  child.stdout!.on('data', log);
  child.stderr!.on('data', log);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
  await closed;
  clearTimeout(timer);
}

type CheckReport = {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; fix?: string }[];
};

async function check(env: NodeJS.ProcessEnv = {}): Promise<{ code: number; report: CheckReport }> {
  const result = await run(['check', '--json'], env);
  return { code: result.code, report: JSON.parse(result.stdout || '{"checks":[]}') as CheckReport };
}

const failing = (report: CheckReport) => report.checks.filter((c) => !c.ok);

/**
 * What a user (and their DBA) does with a finding's fix: takes what it says first (before its
 * alternatives, "or ..."), runs the ficus command it names, or the SQL it gives, as a superuser,
 * on the database the finding names (the service's when it names the service's, else the legacy
 * one).
 */
async function applyFix(finding: CheckReport['checks'][number]): Promise<void> {
  const first = finding.fix!.split(/ or | \(or /)[0];
  for (const [, args] of first.matchAll(/`(?:npx )?ficus ([^`]+)`/g))
    await ficusOk(args.split(/\s+/));
  const onService = finding.name.includes(`${service}'s database`);
  for (const [statement] of first.matchAll(/\b(?:ALTER|CREATE|GRANT)\b[^;`]*(?:;|$)/g))
    await adminSql(onService ? library.serviceAdminUrl : library.legacyAdminUrl, statement);
}

beforeAll(async () => {
  const [installed, databases] = await Promise.all([
    installedFicus(),
    createLibraryDatabases(suffix),
  ]);
  ficus = installed;
  library = databases;
  service = library.service;
  closers.push(() => library.drop());

  const monolithPool = createPool(library.monolithUrl);
  const servicePool = createPool(library.serviceUrl);
  const monolith = await listen(createServer(createLibraryRouter(monolithPool), 'library'), 0);
  const circulation = await listen(
    createServer(createCirculationRouter(servicePool), 'circulation'),
    0,
  );
  closers.push(async () => {
    await Promise.all([monolith.close(), circulation.close()]);
    await Promise.all([monolithPool.end(), servicePool.end()]);
  });

  project = fs.mkdtempSync(path.join(ficus.projectDir, 'library-'));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  writeLibraryProject(project, library, {
    monolith: monolith.url,
    service: circulation.url,
    proxyPort,
    adminPort,
  });
  options = { cwd: project, withoutFicusVariables: true };
  console.log(
    `library: project ${project}, service ${service}, proxy port ${proxyPort}, log ${LOG}`,
  );
}, 300_000);

afterAll(async () => {
  for (const child of children.reverse()) await stopChild(child);
  if (ficus && project)
    await run(['connectors', 'delete', service, '--drop-slot']).catch(() => undefined);
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await stackUnleashAdmin()
    .deleteFlag(service)
    .catch(() => undefined);
  const admin = createKafkaAdmin({
    brokers: stackFicusConfig().kafka.brokers,
    clientId: 'library-cleanup',
  });
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.includes(suffix));
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  if (project) fs.rmSync(project, { recursive: true, force: true });
}, 120_000);

test("the library's large values are stored out of line (TOASTed), as the test of an unchanged one needs", async () => {
  // a value is moved out of line when the row passes ~2 kB after compression; pg_column_size is
  // the stored (compressed) size
  const { rows } = await adminSql(
    library.legacyAdminUrl,
    `SELECT (SELECT min(least(pg_column_size(blurb), pg_column_size(details))) FROM lending.titles) AS titles,
            (SELECT min(pg_column_size(history)) FROM lending.loans
              WHERE jsonb_array_length(history) > 100) AS loans`,
  );
  expect(rows[0].titles).toBeGreaterThan(2048);
  expect(rows[0].loans).toBeGreaterThan(2048);
});

test('ficus check on the unprepared library lists every missing prerequisite with its fix, and exits 0 once they are in place', async () => {
  const before = await check();
  console.log(
    `ficus check before:\n${failing(before.report)
      .map((c) => `  ${c.name}: ${c.detail}\n    fix: ${c.fix}`)
      .join('\n')}`,
  );
  expect(before.code).toBe(1);
  expect(failing(before.report).length).toBeGreaterThan(0);
  for (const finding of failing(before.report)) expect(finding.fix).toEqual(expect.any(String));
  // the service's tables are not made yet: the fix names the migration; and no one let the
  // service's role apply as a replica yet (what the sink does): the fix is the GRANT
  const fixes = failing(before.report).map((c) => c.fix);
  expect(fixes).toContainEqual(expect.stringContaining(`ficus migrate ${service}`));
  expect(fixes).toContainEqual(
    expect.stringMatching(`GRANT SET ON PARAMETER session_replication_role TO "?${service}"?`),
  );

  await ficusOk(['migrate', 'kit']);
  const distinct = new Map(failing(before.report).map((c) => [c.fix, c]));
  for (const finding of distinct.values()) await applyFix(finding);

  const after = await check();
  expect(failing(after.report)).toEqual([]);
  expect(after.code).toBe(0);
}, 300_000);

test('ficus init --from on the library writes a plan of its tables that ficus check accepts once the service is filled in', async () => {
  const dir = fs.mkdtempSync(path.join(project, 'init-'));
  const init = await ficus.run(['init', '--from', library.legacyAdminUrl], {
    ...options,
    cwd: dir,
  });
  expect({ code: init.code, stderr: init.code ? init.stderr : '' }).toEqual({
    code: 0,
    stderr: '',
  });
  const planText = fs.readFileSync(path.join(dir, 'ficus.plan.yaml'), 'utf8');
  // legacy.schema is the schema most tables are in; each of its tables a commented entry with its
  // key, the others named with their schema
  const written = YAML.parse(planText) as { legacy: { database: string; schema: string } };
  expect(written.legacy).toEqual({ database: library.legacyDatabase, schema: 'lending' });
  const entries = Object.fromEntries(
    [...planText.matchAll(/^#\s+- (\{ source: .*\})\s*$/gm)].map(([, flow]) => {
      const entry = YAML.parse(flow) as { source: string; key: string[] };
      return [entry.source, entry.key];
    }),
  );
  expect(entries).toMatchObject({
    copies: ['isbn', 'copy_no'],
    loans: ['id'],
    holds: ['id'],
    titles: ['isbn'],
  });
  for (const table of ['members', 'authors', 'title_authors'])
    expect(planText).toContain(`public.${table}`);

  // the user fills in the service in the file init wrote (its comments stay)
  const doc = YAML.parseDocument(planText);
  const ours = YAML.parseDocument(libraryPlan(library));
  doc.setIn(['services', library.service], ours.getIn(['services', library.service], true));
  (doc.get('services', true) as YAML.YAMLMap).flow = false;
  const planFile = path.join(project, 'filled.plan.yaml');
  fs.writeFileSync(planFile, doc.toString());
  const accepted = await check({ FICUS_PLAN: planFile });
  expect(failing(accepted.report)).toEqual([]);
  expect(accepted.code).toBe(0);
}, 180_000);

describe('the circulation desk leaves the library under traffic', () => {
  let answers: Answer[] = [];
  /** whether the migration got to complete: what follows judges its outcome, and fails at once without it */
  let completed = false;

  /** waits until the proxy recorded `count` more comparisons of the service's reads */
  async function comparisonsGrow(count: number): Promise<void> {
    const sql = `SELECT count(*)::int AS n FROM proxy_comparisons WHERE service = $1`;
    const kit = stackKitUrl();
    const start = (await adminSql(kit, sql, [service])).rows[0].n as number;
    await waitFor(
      `${count} more comparisons of ${service}`,
      async () => ((await adminSql(kit, sql, [service])).rows[0].n as number) >= start + count,
      { timeoutMs: 180_000, intervalMs: 500 },
    );
  }

  /**
   * `ficus stage`, asked again while its gates want more evidence than there is yet (each time
   * after more comparisons came in); any other refusal fails at once.
   */
  async function stageThroughGates(args: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const result = await run(args);
      if (result.code === 0) return;
      if (!/gates do not allow/.test(result.stderr) || attempt === 10)
        throw new Error(
          `ficus ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
        );
      await comparisonsGrow(5);
    }
  }

  const stackKitUrl = () => {
    const url = new URL(library.serviceAdminUrl);
    url.pathname = `/${library.kitDatabase}`;
    return url.toString();
  };

  test('legacy -> shadow -> canary 50% -> live -> complete, reads and writes flowing all along', async () => {
    await ficusOk(['migrate', 'kit']);
    await ficusOk(['migrate', service]);
    await ficusOk(['connectors', 'apply', service]);
    for (const direction of ['forward', 'reverse'])
      supervise(
        `sync ${direction}`,
        ficus.start(
          ['sync', service, '--direction', direction, '--metrics-port', String(await freePort())],
          options,
        ),
      );
    const config = YAML.parse(fs.readFileSync(path.join(project, 'ficus.config.yaml'), 'utf8'));
    const proxyUrl = `http://${config.proxy.listen}`;
    supervise(
      'proxy',
      spawn(
        process.execPath,
        [path.join(ficus.projectDir, 'node_modules/ficus/dist/proxy/main.js')],
        {
          cwd: project,
          env: Object.fromEntries(
            Object.entries(process.env).filter(([name]) => !name.startsWith('FICUS_')),
          ),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      ),
    );
    await waitFor('the proxy', async () => (await fetch(`${proxyUrl}/health`)).ok, {
      timeoutMs: 60_000,
    });

    const seed = await adminSql(
      library.legacyAdminUrl,
      `SELECT array(SELECT id::text FROM public.members ORDER BY "user") AS members,
              array(SELECT isbn FROM lending.titles ORDER BY isbn) AS isbns,
              array(SELECT id::text FROM lending.loans ORDER BY id) AS loans,
              array(SELECT id::text FROM lending.loans
                    WHERE state = 'open' AND jsonb_array_length(history) > 100) AS renewable`,
    );
    const traffic = startLibraryTraffic({ proxyUrl, ...seed.rows[0] });
    const servedBy = (write: boolean) => (a: Answer[]) =>
      a.some((x) => x.backend === service && x.write === write && x.status! < 300);
    try {
      await traffic.waitFor((a) => a.length >= 12, 'a first round of every request');
      await ficusOk(['verify', service]);

      await ficusOk(['stage', service, 'shadow', '--why', 'library e2e: parallel run']);
      await comparisonsGrow(15);
      await ficusOk(['verify', service]);
      await stageThroughGates([
        'stage',
        service,
        'canary',
        '--percent',
        '50',
        '--why',
        'library e2e: canary',
      ]);
      await traffic.waitFor(servedBy(false), 'a read served by the service');

      await comparisonsGrow(15);
      await ficusOk(['verify', service]);
      await stageThroughGates(['stage', service, 'live', '--why', 'library e2e: write cut-over']);
      await traffic.waitFor(servedBy(true), 'a write served by the service');
      await ficusOk(['verify', service]);

      await stageThroughGates(['stage', service, 'complete', '--why', 'library e2e: done']);
      const at = traffic.answered.length;
      await traffic.waitFor((a) => a.length >= at + 24, 'two rounds of traffic at complete');
    } finally {
      answers = await traffic.stop();
    }
    const status = JSON.parse((await ficusOk(['status', '--json'])).stdout) as {
      services: { name: string; stage: string }[];
    };
    expect(status.services.find((s) => s.name === service)?.stage).toBe('complete');
    completed = true;
  }, 900_000);

  test('every request was answered; every write 2xx or refused with a status and Retry-After', () => {
    expect(completed).toBe(true);
    expect(answers.length).toBeGreaterThan(100);
    const unanswered = answers.filter((a) => a.status === undefined);
    expect(unanswered).toEqual([]);
    const badWrites = answers.filter(
      (a) => a.write && !(a.status! < 300 || (a.status! >= 400 && a.retryAfter)),
    );
    expect(badWrites).toEqual([]);
    const badReads = answers.filter((a) => !a.write && a.status !== 200);
    expect(badReads).toEqual([]);
    const writes = answers.filter((a) => a.write);
    console.log(
      `library traffic: ${answers.length} requests, ${writes.length} writes ` +
        `(${writes.filter((a) => a.status! >= 300).length} refused), ` +
        `${answers.filter((a) => a.backend === service).length} served by ${service}`,
    );
  });

  test('ficus verify is clean, and each acknowledged write is on each side exactly once', async () => {
    expect(completed).toBe(true);
    const verify = await run(['verify', service, '--json']);
    const report = JSON.parse(verify.stdout || '{}') as { clean?: boolean };
    expect({ code: verify.code, clean: report.clean }).toEqual({ code: 0, clean: true });

    const sides = { legacy: library.legacyAdminUrl, service: library.serviceAdminUrl };
    const loansTable = { legacy: 'lending.loans', service: 'loans' };
    const holdsTable = { legacy: 'lending.holds', service: 'holds' };
    const wrong: string[] = [];
    for (const side of ['legacy', 'service'] as const) {
      for (const loan of answers.filter((a) => a.kind === 'loan')) {
        const { rows } = await adminSql(
          sides[side],
          `SELECT count(*)::int AS n FROM ${loansTable[side]} WHERE history @> $1::jsonb`,
          [JSON.stringify([{ ref: loan.ref }])],
        );
        const expected = loan.status! < 300 ? 1 : 0;
        if (rows[0].n !== expected)
          wrong.push(`${side}: loan ${loan.ref} (${loan.status}) x${rows[0].n}`);
      }
      for (const hold of answers.filter((a) => a.kind === 'hold' && a.status! < 300)) {
        const { rows } = await adminSql(
          sides[side],
          `SELECT count(*)::int AS n FROM ${holdsTable[side]} WHERE id = $1`,
          [hold.body!.id],
        );
        if (rows[0].n !== 1) wrong.push(`${side}: hold ${hold.body!.id} x${rows[0].n}`);
      }
      for (const ret of answers.filter((a) => a.kind === 'return' && a.status! < 300)) {
        const { rows } = await adminSql(
          sides[side],
          `SELECT state::text FROM ${loansTable[side]} WHERE id = $1`,
          [ret.ref],
        );
        if (rows[0]?.state !== 'returned')
          wrong.push(`${side}: return of ${ret.ref}: ${rows[0]?.state}`);
      }
    }
    for (const member of answers.filter((a) => a.kind === 'member')) {
      const { rows } = await adminSql(
        library.legacyAdminUrl,
        `SELECT count(*)::int AS n FROM public.members WHERE "user" = $1`,
        [member.ref],
      );
      if (rows[0].n !== (member.status! < 300 ? 1 : 0))
        wrong.push(`member ${member.ref} x${rows[0].n}`);
      // and in the service's read model of the members
      const { rows: patrons } = await adminSql(
        library.serviceAdminUrl,
        `SELECT count(*)::int AS n FROM patrons WHERE handle = $1`,
        [member.ref],
      );
      if (patrons[0].n !== (member.status! < 300 ? 1 : 0))
        wrong.push(`patron ${member.ref} x${patrons[0].n}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  test('the moved legacy tables are fenced: the monolith may no longer write them', async () => {
    expect(completed).toBe(true);
    const refusals: string[] = [];
    for (const table of MOVED) {
      const statement = `UPDATE lending.${table} SET ${table === 'copies' ? 'shelf = shelf' : 'isbn = isbn'} WHERE true`;
      const error = await adminSql(library.monolithUrl, statement).then(
        () => undefined,
        (e: Error) => e.message,
      );
      refusals.push(`${table}: ${error ? 'refused' : 'written'}`);
    }
    expect(refusals).toEqual(MOVED.map((t) => `${t}: refused`));
    // what stays the monolith's is still its own
    await adminSql(library.monolithUrl, `UPDATE lending.titles SET rating = rating WHERE true`);
  }, 60_000);
});
