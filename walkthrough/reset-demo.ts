/**
 * Puts the demo back to nothing, so the walkthrough can start from scratch on a stack that ran
 * it before: apps stopped, every service back to `legacy` in Unleash, connectors removed with
 * their Connect offsets, replication slots and publications, the demo's Kafka topics and consumer
 * groups deleted, and the shop, service and kit databases dropped and created empty again.
 * Only the demo's own things are touched (names from the plan and the `ficus.` prefixes).
 */
import pg from 'pg';
import { createConnectClient } from '../cdc/connect/connect-client.ts';
import type { Direction } from '../plan/mapping.ts';
import type { Plan } from '../plan/plan-types.ts';
import { loadConfig } from '../lib/config/index.ts';
import { configuredUnleashAdmin } from '../rollout/unleash-admin.ts';
import { appsDown } from '../stack/apps-up.ts';
import { configuredConnectorSpec } from '../cdc/connect/configured-connectors.ts';
import { ensureStackDatabases } from '../stack/stack.ts';
import { loadStackConfig } from '../stack/stack-config.ts';
import { KIT_DATABASE, stackDatabaseUrl } from '../stack/stack-roles.ts';
import type { Progress } from '../lib/progress.ts';
import { createKafkaClient } from '../cdc/kafka/kafka-clients.ts';

async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function resetDemo(plan: Plan, progress: Progress): Promise<void> {
  const config = loadStackConfig();
  const ficus = loadConfig();
  await appsDown(progress, config);

  const unleash = configuredUnleashAdmin(ficus);
  for (const service of plan.services)
    await unleash.setStage(service.name, { stage: 'legacy', percent: 0 });

  // A connector's source offsets outlive the connector in Connect's offsets topic; a new one of
  // the same name would resume from them and skip its snapshot. Stop, clear offsets, delete.
  const connect = createConnectClient({ url: ficus.connect.url });
  const slots: string[] = [];
  for (const service of plan.services) {
    for (const direction of ['forward', 'reverse'] as Direction[]) {
      const spec = configuredConnectorSpec(plan, service, direction, ficus);
      slots.push(spec.slot);
      if (!(await connect.findStatus(spec.name))) continue;
      await connect.stop(spec.name);
      await new Promise((r) => setTimeout(r, 500));
      await connect.resetOffsets(spec.name).catch(() => undefined);
      await connect.delete(spec.name);
    }
  }

  const kafka = createKafkaClient({
    brokers: ficus.kafka.brokers,
    clientId: 'ficus-walkthrough-reset',
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) =>
      plan.services.some(
        (s) =>
          t.startsWith(`ficus.${s.name}.`) ||
          t === `ficus.dlq.${s.name}` ||
          t.startsWith(`__debezium-heartbeat.ficus.${s.name}`),
      ),
    );
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => plan.services.some((s) => g.startsWith(`ficus-sync-${s.name}-`)));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }

  // Dropping the databases also drops the slots' publications, fences and bookkeeping in them;
  // the slots themselves live in the cluster and go first.
  const legacy = new pg.Client({
    connectionString: stackDatabaseUrl(config, plan, 'legacy', 'postgres'),
  });
  const services = new pg.Client({
    connectionString: stackDatabaseUrl(config, plan, 'services', 'postgres'),
  });
  await Promise.all([legacy.connect(), services.connect()]);
  try {
    for (const client of [legacy, services]) {
      await client.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ANY($1) AND NOT active',
        [slots],
      );
    }
  } finally {
    await Promise.all([legacy.end(), services.end()]);
  }
  await dropDatabases(stackDatabaseUrl(config, plan, 'legacy', 'postgres'), [plan.legacy.database]);
  await dropDatabases(stackDatabaseUrl(config, plan, 'services', 'postgres'), [
    ...plan.services.map((s) => s.database),
    KIT_DATABASE,
  ]);
  await ensureStackDatabases(config, plan, progress);
  progress.done(
    'demo reset: apps stopped, flags at legacy, connectors, slots, topics and databases of the demo removed',
  );
}
