import net from 'node:net';
import pg from 'pg';
import {
  describeOverlaps,
  expectNoChildPgOverlap,
  PG_OVERLAP_WARNING,
  pgOverlapWarning,
  watchPgQueryOverlaps,
  type PgQueryOverlap,
} from './pg-overlap-guard.ts';

/**
 * A server that lets a client in (AuthenticationOk, ReadyForQuery) and then never answers a
 * query: each client's first query stays running, as a slow one does on a real database.
 */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => {
      const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]); // 'R', length 8, code 0
      const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // 'Z', length 5, idle
      socket.write(Buffer.concat([authOk, ready]));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const clients: pg.Client[] = [];
  return {
    async client() {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'u', database: 'd' });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      return client;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let server: Awaited<ReturnType<typeof silentServer>>;
beforeAll(async () => {
  server = await silentServer();
});
afterAll(() => server.close());

test('a query sent while the client runs another is recorded, with both texts and where it came from', async () => {
  const client = await server.client();
  const seen: PgQueryOverlap[] = [];
  const unwatch = watchPgQueryOverlaps((o) => seen.push(o));
  try {
    client.query('SELECT 1 AS first').catch(() => undefined);
    expect(seen).toEqual([]); // one at a time is fine
    client.query({ text: 'SELECT  2\n AS second' }).catch(() => undefined);
    expect(seen).toEqual([
      expect.objectContaining({ query: 'SELECT 2 AS second', busyWith: 'SELECT 1 AS first' }),
    ]);
    expect(seen[0].stack).toContain('pg-overlap-guard.test.ts');
    expect(describeOverlaps(seen)).toMatch(
      /^1 query was sent to a pg client still executing another .*\n- "SELECT 2 AS second" while running "SELECT 1 AS first"/,
    );
  } finally {
    unwatch();
  }
});

test('queries on separate clients do not overlap, and nothing is watched once unwatched', async () => {
  const [a, b, c] = [await server.client(), await server.client(), await server.client()];
  const seen: PgQueryOverlap[] = [];
  const unwatch = watchPgQueryOverlaps((o) => seen.push(o));
  a.query('SELECT 1').catch(() => undefined);
  b.query('SELECT 2').catch(() => undefined);
  unwatch();
  c.query('SELECT 3').catch(() => undefined);
  c.query('SELECT 4').catch(() => undefined);
  expect(seen).toEqual([]);
});

test("a child's output holding pg's warning, even split across chunks, fails the suite naming the child", () => {
  const line = `(node) DeprecationWarning: ${PG_OVERLAP_WARNING} is deprecated and will be removed in pg@9.0.\n`;
  const split = pgOverlapWarning();
  split.feed('sink started\n' + line.slice(0, 40));
  expect(split.seen()).toBe(false);
  split.feed(line.slice(40));
  const quiet = pgOverlapWarning();
  quiet.feed('(node) DeprecationWarning: The `util._extend` API is deprecated.\n');
  const children = [
    { name: 'the reverse sync worker', pgOverlapWarned: split.seen },
    { name: 'proxy 1', pgOverlapWarned: quiet.seen },
  ];
  expect(() => expectNoChildPgOverlap(children)).toThrow(
    /^the reverse sync worker printed "Calling/,
  );
  expect(() => expectNoChildPgOverlap(children.slice(1))).not.toThrow();
});
