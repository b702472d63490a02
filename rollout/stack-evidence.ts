/**
 * The forward sync lag probe wired to the embedded stack (or whatever FICUS_* points at): the
 * legacy DB and the service's DB as the admin, Connect, and a Kafka admin client, for one or
 * more services of the plan. Open once, measure many times, close.
 *
 *   const lags = openStackSyncLag(plan);
 *   const lag = await lags.forService('catalog')();
 *   await lags.close();
 */
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { createConnectClient } from '../cdc/connect/connect-client.ts';
import { stackConnectorSpec } from '../cdc/connect/stack-connectors.ts';
import { sinkConsistency, type WaitForConsistentPoint } from '../cdc/verify/consistent-point.ts';
import type { Plan } from '../plan/plan-types.ts';
import { loadStackConfig, stackUrls, type StackConfig } from '../stack/stack-config.ts';
import { syncLagProbe, type MeasureSyncLag } from './sync-lag.ts';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';

export type StackSyncLag = {
  forService(service: string, timeoutMs?: number): MeasureSyncLag;
  close(): Promise<void>;
};

export function openStackSyncLag(
  plan: Plan,
  config: StackConfig = loadStackConfig(),
): StackSyncLag {
  const urls = stackUrls(config);
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
  const connect = createConnectClient({ url: urls.connect });
  let admin: Promise<Admin> | undefined;
  const kafkaAdmin = () =>
    (admin ??= (async () => {
      const a = createKafkaAdmin({
        brokers: [urls.kafkaBootstrap],
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
          legacy: pool(urls.legacyAdmin(plan.legacy.database)),
          service: pool(urls.servicesAdmin(service.database)),
          connect,
          kafkaAdmin: await kafkaAdmin(),
          spec: stackConnectorSpec(plan, service, 'forward', config),
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
