import { createEnvelopeParser } from './envelope-parser.ts';

const schemaA = {
  type: 'struct',
  fields: [{ field: 'after', type: 'struct', fields: [{ field: 'id', type: 'int64' }] }],
};
const schemaB = {
  type: 'struct',
  fields: [{ field: 'after', type: 'struct', fields: [{ field: 'id', type: 'int32' }] }],
};
const msg = (schema: object, payload: object) => Buffer.from(JSON.stringify({ schema, payload }));

describe('envelope parser', () => {
  it('parses only the payload once the schema bytes repeat, with the same result', () => {
    const { parse } = createEnvelopeParser();
    const first = parse('t', msg(schemaA, { after: { id: 1 } }));
    const second = parse('t', msg(schemaA, { after: { id: 2, note: 'has ,"payload": inside' } }));
    expect(first).toEqual({ payload: { after: { id: 1 } }, fields: schemaA.fields });
    expect(second).toEqual({
      payload: { after: { id: 2, note: 'has ,"payload": inside' } },
      fields: schemaA.fields,
    });
  });

  it('locates the payload in the bytes, for the first message of a schema and the next ones', () => {
    const { locate } = createEnvelopeParser();
    for (const id of [1, 2]) {
      const bytes = msg(schemaA, { after: { id } });
      const at = locate('t', bytes)!;
      expect(bytes.toString('utf8', at.start, at.end)).toBe(`{"after":{"id":${id}}}`);
      expect(at.fields).toEqual(schemaA.fields);
    }
    const bare = Buffer.from('{"after":{"id":4}}');
    expect(locate('t', bare)).toEqual({ start: 0, end: bare.length });
  });

  it('notices a schema change and a message without an envelope', () => {
    const { parse } = createEnvelopeParser();
    parse('t', msg(schemaA, { after: { id: 1 } }));
    expect(parse('t', msg(schemaB, { after: { id: 3 } })).fields).toEqual(schemaB.fields);
    expect(parse('t', Buffer.from('{"after":{"id":4}}'))).toEqual({
      payload: { after: { id: 4 } },
    });
  });

  it('takes a message shorter than the envelope start as all payload (a schemaless key)', () => {
    const { parse, locate } = createEnvelopeParser();
    const key = Buffer.from('{"id":1}');
    expect(locate('t', key)).toEqual({ start: 0, end: key.length });
    expect(parse('t', key)).toEqual({ payload: { id: 1 } });
  });

  it('rejects a truncated message that shares the cached prefix', () => {
    const { parse } = createEnvelopeParser();
    const full = msg(schemaA, { after: { id: 1 } });
    parse('t', full);
    expect(() =>
      parse('t', Buffer.concat([full.subarray(0, full.length - 3), Buffer.from('}')])),
    ).toThrow(SyntaxError);
  });
});
