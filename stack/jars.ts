/**
 * Fetches the Kafka, Kafka Connect and Debezium jars from Maven Central once, with Maven
 * (`dependency:copy-dependencies`), into the cache directory. Later runs find them there.
 * Each Debezium connector gets a folder of its own under `plugins/`, as Connect's plugin
 * isolation expects.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FicusError } from '../lib/errors.ts';
import { VERSIONS } from './stack-config.ts';

type Artifact = { groupId: string; artifactId: string; version: string };

export type JarLayout = { kafkaLibs: string; pluginsDir: string };

const kafkaArtifacts: Artifact[] = [
  { groupId: 'org.apache.kafka', artifactId: `kafka_${VERSIONS.scala}`, version: VERSIONS.kafka },
  { groupId: 'org.apache.kafka', artifactId: 'connect-runtime', version: VERSIONS.kafka },
  { groupId: 'org.apache.kafka', artifactId: 'connect-json', version: VERSIONS.kafka },
  { groupId: 'org.apache.kafka', artifactId: 'connect-transforms', version: VERSIONS.kafka },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j2-impl', version: VERSIONS.log4j },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: VERSIONS.log4j },
];

/** Debezium's own plugin archives (`-plugin.tar.gz` on Maven Central), each with every jar it needs. */
const plugins: Record<string, string> = {
  'debezium-connector-postgres': `io.debezium:debezium-connector-postgres:${VERSIONS.debeziumPostgres}:tar.gz:plugin`,
  'debezium-connector-jdbc': `io.debezium:debezium-connector-jdbc:${VERSIONS.debeziumJdbc}:tar.gz:plugin`,
};

function pom(name: string, artifacts: Artifact[]): string {
  const deps = artifacts
    .map(
      (a) =>
        `<dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version></dependency>`,
    )
    .join('\n    ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.ficus.stack</groupId>
  <artifactId>${name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    ${deps}
  </dependencies>
</project>
`;
}

// Some Debezium poms name extra repositories (Confluent's); everything they need is on Maven
// Central, so every repository is mirrored to Central and nothing else is asked.
const SETTINGS = `<settings><mirrors><mirror><id>central-only</id><mirrorOf>*</mirrorOf>
<url>https://repo.maven.apache.org/maven2</url></mirror></mirrors></settings>
`;

function run(command: string, args: string[], cwd: string, log: fs.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new FicusError(
              'jar_download_failed',
              `${command} ${args.slice(-2).join(' ')} failed in ${cwd} (exit ${code}); see ${log.path}`,
            ),
          ),
    );
  });
}

function maven(cwd: string, goalAndProps: string[], log: fs.WriteStream): Promise<void> {
  const settings = path.join(cwd, 'settings.xml');
  fs.writeFileSync(settings, SETTINGS);
  return run('mvn', ['-B', '-q', '-s', settings, ...goalAndProps], cwd, log);
}

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

async function ensureSet(
  root: string,
  name: string,
  artifacts: Artifact[],
  log: fs.WriteStream,
): Promise<string> {
  const dir = path.join(root, name);
  const libs = path.join(dir, 'libs');
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return libs;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(libs, { recursive: true });
  fs.writeFileSync(path.join(dir, 'pom.xml'), pom(name, artifacts));
  await maven(
    dir,
    [
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    log,
  );
  fs.writeFileSync(marker, new Date().toISOString());
  return libs;
}

async function ensurePlugin(
  pluginsDir: string,
  plugin: string,
  coordinates: string,
  log: fs.WriteStream,
  onStep: (m: string) => void,
) {
  const dir = path.join(pluginsDir, plugin);
  const marker = path.join(pluginsDir, `.${plugin}.complete`);
  if (fs.existsSync(marker)) return;
  onStep(`downloading ${coordinates} from Maven Central (once)`);
  const work = path.join(pluginsDir, `.${plugin}.download`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(path.join(work, 'pom.xml'), pom(`${plugin}-download`, []));
  await maven(
    work,
    [`${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=${coordinates}`, `-DoutputDirectory=${work}`],
    log,
  );
  const archive = fs.readdirSync(work).find((f) => f.endsWith('.tar.gz'));
  if (!archive)
    throw new FicusError('jar_download_failed', `no plugin archive for ${coordinates} in ${work}`);
  // The archive holds one top-level folder named after the connector.
  await run('tar', ['-xzf', path.join(work, archive), '-C', pluginsDir], pluginsDir, log);
  fs.rmSync(work, { recursive: true, force: true });
  fs.writeFileSync(marker, new Date().toISOString());
}

/** Makes sure every jar is in the cache; downloads only what is missing. */
export async function ensureJars(
  cacheDir: string,
  logFile: string,
  onStep: (m: string) => void,
): Promise<JarLayout> {
  const root = path.join(cacheDir, 'jars');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  try {
    const kafkaSet = `kafka-${VERSIONS.kafka}`;
    if (!fs.existsSync(path.join(root, kafkaSet, '.complete')))
      onStep(`downloading Kafka ${VERSIONS.kafka} jars from Maven Central (once)`);
    const kafkaLibs = await ensureSet(root, kafkaSet, kafkaArtifacts, log);
    const pluginsDir = path.join(
      root,
      `plugins-pg${VERSIONS.debeziumPostgres}-jdbc${VERSIONS.debeziumJdbc}`,
    );
    for (const [plugin, coordinates] of Object.entries(plugins)) {
      await ensurePlugin(pluginsDir, plugin, coordinates, log, onStep);
    }
    return { kafkaLibs, pluginsDir };
  } finally {
    log.end();
  }
}
