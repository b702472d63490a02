/**
 * ficus installed from its tarball into a project outside the repository, run there with `npx`
 * on the oldest Node it supports (22, installed from npm; Node 24 if npm cannot): every command
 * answers `--help`, `stack status --json` reads the embedded stack, and `migrate` from the
 * compiled package counts a database migrated from the TypeScript checkout as migrated.
 * The first run packs and installs (about a minute); later runs reuse the project.
 */
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import {
  installedFicus,
  nodeForInstalledTests,
  type InstalledFicus,
  type RunOptions,
} from '../test-support/packed-ficus.ts';

let ficus: InstalledFicus;
let options: RunOptions;

beforeAll(async () => {
  const [installed, { node, version }] = await Promise.all([
    installedFicus(),
    nodeForInstalledTests(),
  ]);
  ficus = installed;
  options = { node };
  console.log(`installed ficus in ${ficus.projectDir}, running on Node ${version}`);
}, 300_000);

/** The subcommands listed under "Commands:" in a help text (commander's own `help` left out). */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)]
    .map((match) => match[1])
    .filter((name) => name !== 'help');
}

async function expectUsage(path: string[]): Promise<string> {
  const result = await ficus.run([...path, '--help'], options);
  expect({ command: path.join(' '), code: result.code, stderr: result.stderr }).toEqual({
    command: path.join(' '),
    code: 0,
    stderr: '',
  });
  expect(result.stdout).toMatch(new RegExp(`^Usage: ficus ${path.map((p) => `${p} `).join('')}`));
  return result.stdout;
}

test('ficus --help and every command and subcommand --help print their usage', async () => {
  const top = await expectUsage([]);
  const commands = commandsIn(top);
  expect(commands).toEqual(expect.arrayContaining(['stack', 'migrate', 'sync', 'verify']));
  for (const command of commands) {
    const help = await expectUsage([command]);
    for (const subcommand of commandsIn(help)) await expectUsage([command, subcommand]);
  }
}, 180_000);

test('ficus stack status --json prints the components as JSON', async () => {
  const result = await ficus.run(['stack', 'status', '--json'], options);
  // 3 says a component is not running: still a status, which is what is checked here.
  expect([0, 3]).toContain(result.code);
  const status = JSON.parse(result.stdout) as { components: Record<string, { state: string }> };
  expect(Object.keys(status.components)).toEqual(
    expect.arrayContaining(['legacy-postgres', 'services-postgres', 'kafka', 'connect', 'unleash']),
  );
});

describe('migrations from the compiled package', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ cluster: 'services', template: 'kit' });
  });
  afterAll(() => db?.drop());

  test('a database migrated from the TypeScript sources is already migrated', async () => {
    // no configuration anywhere (as on a machine with none): the URL on the command line suffices
    const result = await ficus.run(['migrate', 'kit', '--url', db.url], {
      ...options,
      withoutFicusVariables: true,
    });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/kit: 0 applied, [1-9]\d* already applied/);
  });
});
