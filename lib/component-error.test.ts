import net from 'node:net';
import { parseConfig } from './config/index.ts';
import {
  ComponentError,
  componentError,
  databaseComponent,
  kafkaComponent,
  reaching,
} from './component-error.ts';

const config = parseConfig(
  {
    legacy: { url: 'postgres://ficus@localhost:5999/app', password: { env: 'LEGACY_PW' } },
    kit: { url: 'postgres://kit@localhost:5999/kit' },
    services: {},
    kafka: { brokers: ['kafka-1:9092', 'kafka-2:9092'] },
    connect: { url: 'http://connect:8083' },
    unleash: { url: 'http://unleash:4242' },
  },
  '/project/ficus.config.yaml',
  { LEGACY_PW: 's3cret!' },
);
const legacy = databaseComponent(config, config.legacy.database);
const errno = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:5999`), { code });

describe('component errors', () => {
  it('names the part, its masked address, the key and the file, and what to do', () => {
    const error = componentError(legacy, errno('ECONNREFUSED')) as ComponentError;
    expect(error).toBeInstanceOf(ComponentError);
    expect(error.message).toBe(
      'legacy.url (postgres://ficus:***@localhost:5999/app, from /project/ficus.config.yaml): ' +
        'connection refused — is the database running and reachable from here?',
    );
    expect(error.message).not.toContain('s3cret');
    expect(error.code).toBe('component_unreachable');
  });

  it('finds the socket error in causes and aggregates (kafkajs, fetch, dual-stack localhost)', () => {
    const fetchFailure = new TypeError('fetch failed', {
      cause: new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')]),
    });
    expect((componentError(kafkaComponent(config), fetchFailure) as Error).message).toMatch(
      /^kafka\.brokers \(kafka-1:9092,kafka-2:9092, from .*\): connection refused — is Kafka running/,
    );
  });

  it.each([
    [{ code: 'ENOTFOUND' }, /host name not found — check the host in legacy\.url/],
    [{ code: '28P01' }, /password authentication failed — check the user in legacy\.url/],
    [{ code: '3D000' }, /the database does not exist — create it, or fix the database name/],
    [{ code: 'ETIMEDOUT' }, /no answer/],
  ])('explains %o', (fields, expected) => {
    const error = Object.assign(new Error('driver says no'), fields);
    expect((componentError(legacy, error) as Error).message).toMatch(expected);
  });

  it('passes other errors through unchanged', () => {
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    expect(componentError(legacy, syntax)).toBe(syntax);
  });

  it('names the environment variable when one set the database', () => {
    const fromEnv = databaseComponent(config, {
      ...config.kit.database,
      key: 'kit.database (from FICUS_KIT_DB_URL)',
    });
    expect(fromEnv).toMatchObject({
      key: 'kit.database',
      source: 'environment variable FICUS_KIT_DB_URL',
    });
  });

  it('reaching() turns a refused socket into the named error', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const connect = () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(socket.end() && undefined));
        socket.on('error', reject);
      });
    await expect(reaching(legacy, connect)).rejects.toThrow(/legacy\.url .*connection refused/);
    await expect(reaching(legacy, async () => 42)).resolves.toBe(42);
  });
});
