/**
 * The fetcher's connections: one per broker, opened on first use and checked once to serve the
 * Fetch version ficus speaks (a clear error on a broker too old, instead of a garbled answer).
 */
import { FicusError } from '../../lib/errors.ts';
import { decodeApiVersions, FETCH_VERSION } from './fetch-protocol.ts';
import { API, connectBroker, type BrokerAddress, type BrokerConnection } from './kafka-wire.ts';

export type BrokerConnections = {
  /** where broker `nodeId` listens (from the cluster's metadata) */
  learn(nodeId: number, address: BrokerAddress): void;
  get(nodeId: number): Promise<BrokerConnection>;
  /** closes a connection that failed; the next `get` opens a new one */
  drop(nodeId: number): void;
  closeAll(): void;
};

async function open(address: BrokerAddress, clientId: string): Promise<BrokerConnection> {
  const broker = await connectBroker({ ...address, clientId });
  const { apis } = decodeApiVersions(await broker.request(API.ApiVersions, 0, Buffer.alloc(0)));
  const [min, max] = apis.get(API.Fetch) ?? [-1, -1];
  if (min > FETCH_VERSION || max < FETCH_VERSION) {
    broker.close();
    throw new FicusError(
      'kafka_version',
      `the broker at ${broker.address} serves Fetch v${min}-v${max}; ficus fetches with v${FETCH_VERSION} (Kafka 2.3 to 4.x)`,
    );
  }
  return broker;
}

export function createBrokerConnections(clientId: string): BrokerConnections {
  const addresses = new Map<number, BrokerAddress>();
  const connections = new Map<number, Promise<BrokerConnection>>();
  const drop = (nodeId: number) => {
    const connection = connections.get(nodeId);
    connections.delete(nodeId);
    connection?.then((c) => c.close()).catch(() => undefined);
  };
  return {
    learn: (nodeId, address) => void addresses.set(nodeId, address),
    get(nodeId) {
      let connection = connections.get(nodeId);
      if (!connection) {
        const address = addresses.get(nodeId);
        if (!address) return Promise.reject(new Error(`no address known for broker ${nodeId}`));
        connection = open(address, clientId);
        connections.set(nodeId, connection);
        connection.catch(() => connections.delete(nodeId));
      }
      return connection;
    },
    drop,
    closeAll: () => [...connections.keys()].forEach(drop),
  };
}
