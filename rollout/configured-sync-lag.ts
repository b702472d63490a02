/**
 * The forward sync lag probe wired to the configured environment: the legacy DB as ficus's role,
 * the service's DB as the service's, Connect, and a Kafka admin client, for one or more services
 * of the plan. Open once, measure many times, close.
 *
 *   const lags = openSyncLag(plan);
 *   const lag = await lags.forService('catalog')();
 *   await lags.close();
 */
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { createConnectClient } from '../cdc/connect/connect-client.ts';
import { configuredConnectorSpec } from '../cdc/connect/configured-connectors.ts';
import { sinkConsistency, type WaitForConsistentPoint } from '../cdc/verify/consistent-point.ts';
import type { Plan } from '../plan/plan-types.ts';
import { loadConfig, serviceConfig, type FicusConfig } from '../lib/config/index.ts';
import { syncLagProbe, type MeasureSyncLag } from './sync-lag.ts';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';

export type SyncLagProbes = {
  forService(service: string, timeoutMs?: number): MeasureSyncLag;
  close(): Promise<void>;
};

export function openSyncLag(plan: Plan, config: FicusConfig = loadConfig()): SyncLagProbes {
  const pools = new Map<string, pg.Pool>();
  const pool = (url: string) => {
    let p = pools.get(url);
    if (!p) {
      p = new pg.Pool({ connectionString: url, max: 2 });
      p.on('error', () => undefined); // a dropped idle connection must not end the process
      pools.set(url, p);
    }
    return p;
  };
  const connect = createConnectClient({ url: config.connect.url });
  let admin: Promise<Admin> | undefined;
  const kafkaAdmin = () =>
    (admin ??= (async () => {
      const a = createKafkaAdmin({
        brokers: config.kafka.brokers,
        clientId: 'ficus-gates',
      });
      await a.connect();
      return a;
    })().catch((error) => {
      admin = undefined; // try again on the next measurement
      throw error;
    }));

  return {
    forService(name, timeoutMs = 10_000) {
      const service = plan.services.find((s) => s.name === name);
      if (!service)
        return async () => ({
          lagMs: null,
          note: `${name} is not in the plan: no forward sync to measure`,
        });
      const consistency: WaitForConsistentPoint = async () =>
        sinkConsistency({
          legacy: pool(config.legacy.database.url),
          service: pool(serviceConfig(config, service.name).database.url),
          connect,
          kafkaAdmin: await kafkaAdmin(),
          spec: configuredConnectorSpec(plan, service, 'forward', config),
          timeoutMs,
        })();
      return syncLagProbe(consistency);
    },
    async close() {
      if (admin) await (await admin.catch(() => undefined))?.disconnect().catch(() => undefined);
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
    },
  };
}
