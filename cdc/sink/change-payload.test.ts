import { afterRange, parseRows, scanChangePayload } from './change-payload.ts';

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
    lsn: v.source.lsn === null ? null : BigInt(v.source.lsn as number),
    txId: v.source.txId,
  };
};

/** The payload inside a message, as the envelope parser locates it: bytes around it too. */
const inMessage = (payload: object) => {
  const head = '{"schema":{"type":"struct"},"payload":';
  const bytes = Buffer.from(head + text(payload) + '}');
  return { bytes, start: Buffer.byteLength(head), end: bytes.length - 1 };
};

/** What a scan of the bytes gives, in the form of essentials(). */
const scanned = (payload: object) => {
  const { bytes, start, end } = inMessage(payload);
  const layout = scanChangePayload(bytes, start, end);
  if (!layout) return undefined;
  const rows = parseRows(bytes, start, layout);
  return {
    before: rows.before,
    after: rows.after,
    op: layout.op,
    lsn: layout.lsn,
    txId: layout.txId,
  };
};

describe('scanChangePayload', () => {
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
    [
      'text that is not ASCII',
      { before: null, after: { id: 6, name: 'Ærø “quoted” 🌿' }, source: source(), op: 'c' },
    ],
  ])('reads %s as a full parse does, and finds its after row', (_, payload) => {
    expect(scanned(payload)).toEqual(essentials(payload));
    const { bytes, start, end } = inMessage(payload);
    const range = afterRange(bytes, start, scanChangePayload(bytes, start, end)!);
    if (payload.after === null) expect(range).toBeUndefined();
    else expect(JSON.parse(bytes.toString('utf8', ...range!))).toEqual(payload.after);
  });

  it('leaves to a full parse what does not have the change-event layout', () => {
    expect(scanned({ ts_ms: 5 })).toBeUndefined();
    expect(scanned({ op: 'c', before: null, after: { id: 1 }, source: source() })).toBeUndefined();
    expect(scanned({ before: null, after: { id: 1 }, source: source() })).toBeUndefined();
  });

  it('finds the after row behind a before row that holds the same text', () => {
    const payload = {
      before: { id: 7, note: '"after":{"x":1}', after: 'a column named after' },
      after: { id: 7, note: 'new' },
      source: source(),
      op: 'u',
    };
    const { bytes, start, end } = inMessage(payload);
    const range = afterRange(bytes, start, scanChangePayload(bytes, start, end)!);
    expect(bytes.toString('utf8', ...range!)).toBe('{"id":7,"note":"new"}');
  });
});
