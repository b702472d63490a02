import { parseChangePayload } from './change-payload.ts';

const source = (extra: object = {}) => ({
  version: '3.7.0.Final',
  connector: 'postgresql',
  name: 'shop',
  ts_ms: 1795264788262,
  snapshot: 'false',
  db: 'shop',
  sequence: '[null,"683734360"]',
  schema: 'public',
  table: 'products',
  txId: 818,
  lsn: 683734360,
  xmin: null,
  origin_lsn: null,
  ...extra,
});
const text = (payload: object) => JSON.stringify(payload);

/** what the sink reads of a payload: the rows, the op, and the source's lsn and txId */
const essentials = (p: unknown) => {
  const v = p as { before: unknown; after: unknown; op: unknown; source: Record<string, unknown> };
  return {
    before: v.before,
    after: v.after,
    op: v.op,
    lsn: v.source.lsn === null ? null : String(v.source.lsn),
    txId: v.source.txId,
  };
};

describe('parseChangePayload', () => {
  it.each([
    ['a snapshot read', { before: null, after: { id: 1, name: 'a' }, source: source(), op: 'r' }],
    [
      'an update with transaction metadata',
      {
        before: { id: 2, name: 'old' },
        after: { id: 2, name: 'new' },
        source: source({ txId: 9, lsn: 12 }),
        transaction: { id: '9:12', total_order: 1, data_collection_order: 1 },
        op: 'u',
        ts_ms: 1,
      },
    ],
    [
      'rows whose values and columns look like the envelope',
      {
        before: null,
        after: { id: 3, source: 'x', note: ',"source":{"lsn":1,"txId":2},"op":"d"', op: 'c' },
        source: source(),
        op: 'c',
      },
    ],
    ['a delete', { before: { id: 4 }, after: null, source: source(), op: 'd' }],
    [
      'no lsn or txId',
      { before: null, after: { id: 5 }, source: source({ txId: null, lsn: null }), op: 'c' },
    ],
  ])('reads %s as a full parse does', (_, payload) => {
    expect(essentials(parseChangePayload(text(payload)))).toEqual(essentials(payload));
  });

  it('parses whole what does not have the change-event layout', () => {
    expect(parseChangePayload('{"ts_ms":5}')).toEqual({ ts_ms: 5 });
    const reordered = { op: 'c', before: null, after: { id: 1 }, source: source() };
    expect(parseChangePayload(text(reordered))).toEqual(reordered);
  });

  it('rejects broken JSON like JSON.parse', () => {
    expect(() => parseChangePayload('{"before":null,"after":{"id":1,')).toThrow(SyntaxError);
  });
});
