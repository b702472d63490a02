/** docker-compose.yml describes the same topology as the embedded stack: same parts, ports, settings. */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DEFAULT_PORTS, REPO_ROOT, VERSIONS, loadStackConfig } from './stack-config.ts';
import { CDC_ROLE, KIT_ROLE, LEGACY_FICUS_ROLE } from './stack-roles.ts';

type Service = {
  image: string;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
};
const compose = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const services = compose.services;
const hostPort = (s: Service) => Number(s.ports?.[0]?.split(':')[1]);
const config = loadStackConfig({});

test('it has every part of the embedded stack', () => {
  expect(Object.keys(services).sort()).toEqual([
    'connect',
    'kafka',
    'legacy-postgres',
    'services-postgres',
    'unleash',
  ]);
});

test('host ports are the embedded stack ports, on loopback', () => {
  expect(hostPort(services['legacy-postgres'])).toBe(DEFAULT_PORTS.legacyPostgres);
  expect(hostPort(services['services-postgres'])).toBe(DEFAULT_PORTS.servicesPostgres);
  expect(hostPort(services.kafka)).toBe(DEFAULT_PORTS.kafka);
  expect(hostPort(services.connect)).toBe(DEFAULT_PORTS.connect);
  expect(hostPort(services.unleash)).toBe(DEFAULT_PORTS.unleash);
  for (const s of Object.values(services)) expect(s.ports?.[0]).toMatch(/^127\.0\.0\.1:/);
});

const fromEnvironment = /^\$\{[A-Z_]+:\?[^}]+\}$/;

test('both PostgreSQL servers run with logical WAL and the admin login of the embedded stack', () => {
  for (const name of ['legacy-postgres', 'services-postgres']) {
    expect(services[name].command).toContain('wal_level=logical');
    expect(services[name].environment?.POSTGRES_USER).toBe(config.adminUser);
    expect(services[name].environment?.POSTGRES_PASSWORD).toMatch(fromEnvironment);
  }
  expect(services['legacy-postgres'].environment?.POSTGRES_DB).toBe('shop');
});

test('no password or token is written in it: each comes from the environment', () => {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  for (const s of Object.values(services))
    for (const [key, value] of Object.entries(s.environment ?? {}))
      if (/PASSWORD|TOKEN/.test(key)) expect(String(value)).toMatch(fromEnvironment);
  expect(text).not.toMatch(/ficus-(admin|client)-token|unleash:unleash@/);
});

test('Kafka is single-node KRaft of the pinned version', () => {
  expect(services.kafka.image).toBe(`apache/kafka:${VERSIONS.kafka}`);
  expect(services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  expect(services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS).toBe(
    `PLAINTEXT://127.0.0.1:${DEFAULT_PORTS.kafka}`,
  );
});

test('Connect runs the pinned Debezium release with JSON converters carrying schemas', () => {
  expect(services.connect.image).toBe(`quay.io/debezium/connect:${VERSIONS.debeziumPostgres}`);
  expect(services.connect.environment?.GROUP_ID).toBe('ficus-connect');
  expect(services.connect.environment?.CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE).toBe('true');
});

test('Unleash takes its first tokens from the environment, as the embedded one from its secrets', () => {
  expect(services.unleash.environment?.INIT_ADMIN_API_TOKENS).toMatch(fromEnvironment);
  expect(services.unleash.environment?.INIT_CLIENT_API_TOKENS).toMatch(fromEnvironment);
});

test('the services cluster gets a database and a login role for every service of the plan', async () => {
  const { loadPlan } = await import('../plan/load-plan.ts');
  const { SHOP_PLAN_FILE } = await import('../plan/load-plan.ts');
  const init = fs.readFileSync(path.join(REPO_ROOT, 'deploy/compose/services-init.sh'), 'utf8');
  for (const service of loadPlan(SHOP_PLAN_FILE).services) {
    expect(init).toContain(`CREATE ROLE ${service.name} LOGIN`);
    expect(init).toContain(`CREATE DATABASE ${service.database} OWNER ${service.name}`);
  }
  expect(init).toContain(`CREATE ROLE ${KIT_ROLE} LOGIN`);
  expect(init).toContain(`CREATE ROLE ${CDC_ROLE} LOGIN REPLICATION`);
  const legacy = fs.readFileSync(path.join(REPO_ROOT, 'deploy/compose/legacy-init.sh'), 'utf8');
  expect(legacy).toContain(`CREATE ROLE ${LEGACY_FICUS_ROLE} LOGIN`);
  expect(services['services-postgres'] as unknown).toMatchObject({
    volumes: [expect.stringContaining('services-init.sh')],
  });
});
