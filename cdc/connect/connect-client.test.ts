import { ConnectError, createConnectClient } from './connect-client.ts';

const STALE = {
  error_code: 409,
  message:
    'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)',
};
const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fetch that answers from a list, in order, and counts the calls. */
function scripted(...answers: (() => Response)[]) {
  const calls: string[] = [];
  const fetch = (async (url: string, init?: RequestInit) => {
    calls.push(`${init?.method} ${url}`);
    return (answers[calls.length - 1] ?? answers[answers.length - 1])();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const fast = { initialMs: 1, maxMs: 2, maxAttempts: 4 };

describe('the Connect client during a rebalance', () => {
  it('asks again while Connect answers 409 (the request was not carried out), then goes on', async () => {
    const { fetch, calls } = scripted(
      () => answer(409, STALE),
      () => answer(409, STALE),
      () => new Response(null, { status: 200 }),
    );
    const connect = createConnectClient({
      url: 'http://connect:8083',
      fetch,
      rebalanceRetry: fast,
    });
    await connect.resetOffsets('ficus.svc.forward');
    expect(calls).toEqual(
      Array(3).fill('DELETE http://connect:8083/connectors/ficus.svc.forward/offsets'),
    );
  });

  it("gives up after its attempts with the 409 and Connect's message", async () => {
    const { fetch, calls } = scripted(() => answer(409, STALE));
    const connect = createConnectClient({
      url: 'http://connect:8083',
      fetch,
      rebalanceRetry: fast,
    });
    const error = await connect.resetOffsets('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).message).toMatch(
      /HTTP 409: Cannot complete request momentarily/,
    );
    expect(calls).toHaveLength(4);
  });

  it('does not ask again after a 500 (it may have been carried out)', async () => {
    const { fetch, calls } = scripted(() => answer(500, { message: 'boom' }));
    const connect = createConnectClient({
      url: 'http://connect:8083',
      fetch,
      rebalanceRetry: fast,
    });
    await expect(connect.resetOffsets('x')).rejects.toThrow(/HTTP 500/);
    expect(calls).toHaveLength(1);
  });
});
