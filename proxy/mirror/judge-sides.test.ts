import { compileRules } from '../compare/compare-responses.ts';
import { compileRedaction, REDACTED } from '../compare/redact.ts';
import { compareSides, judgeSides, withBuffer, type RouteRules, type Side } from './judge-sides.ts';

const side = (body: unknown, status = 200): Side => ({
  answer: {
    status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
    latencyMs: 1,
  },
});

const rules = (redact: string[] = []): RouteRules => ({
  compare: compileRules({}),
  redact: compileRedaction(redact),
});

const order = { id: 7, email: 'ann@example.com', total: 30, servedAt: '2026-11-21T09:00:00.001Z' };

describe('judgeSides', () => {
  it('learns what the monolith disagrees with itself on, as paths only, and treats it as noise at once', () => {
    const legacy = side(order);
    const calibration = side({ ...order, servedAt: '2026-11-21T09:00:00.090Z' });
    const service = side({ ...order, servedAt: '2026-11-21T09:00:00.120Z' });
    const judged = judgeSides(legacy, service, calibration, rules(), new Set());
    expect(judged.calibration).toEqual([{ path: '$.servedAt', kind: 'changed' }]);
    expect(judged.result).toEqual({ outcome: 'match', differences: [] });
  });

  it('uses the noise it is given, and reports the rest redacted', () => {
    const legacy = side(order);
    const service = side({ ...order, email: 'bob@example.com', servedAt: 'later' });
    const judged = judgeSides(
      legacy,
      service,
      undefined,
      rules(['$.email']),
      new Set(['$.servedAt']),
    );
    expect(judged.calibration).toEqual([]);
    expect(judged.result).toEqual({
      outcome: 'mismatch',
      differences: [{ path: '$.email', kind: 'changed', legacy: REDACTED, service: REDACTED }],
    });
  });

  it('judges credentials by their real values, and reports them redacted', () => {
    const session = { user: 'ann', accessToken: 'token-of-the-monolith' };
    const same = compareSides(side(session), side(session), rules(), new Set());
    expect(same).toEqual({ outcome: 'match', differences: [] });
    const other = { ...session, accessToken: 'token-of-the-service' };
    expect(compareSides(side(session), side(other), rules(), new Set())).toEqual({
      outcome: 'mismatch',
      differences: [
        { path: '$.accessToken', kind: 'changed', legacy: REDACTED, service: REDACTED },
      ],
    });
  });

  it('has no result when a side has no answer, and no calibration without the monolith answer', () => {
    const judged = judgeSides({ error: 'timeout' }, side(order), side(order), rules(), new Set());
    expect(judged).toEqual({ calibration: [], result: undefined });
    expect(compareSides(side(order), { error: 'unavailable' }, rules(), new Set())).toBeUndefined();
  });

  it('compares bodies that arrive as plain byte arrays (as they cross into the worker)', () => {
    const plain = (s: Side): Side => ({
      answer: { ...s.answer!, body: new Uint8Array(s.answer!.body) as Buffer },
    });
    const legacy = withBuffer(plain(side(order)));
    expect(Buffer.isBuffer(legacy.answer!.body)).toBe(true);
    const differs = compareSides(
      legacy,
      withBuffer(plain(side({ ...order, total: 31 }))),
      rules(),
      new Set(),
    );
    expect(differs?.differences).toEqual([
      { path: '$.total', kind: 'changed', legacy: 30, service: 31 },
    ]);
    expect(withBuffer({ error: 'timeout' })).toEqual({ error: 'timeout' });
  });
});
