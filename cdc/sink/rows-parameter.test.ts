import { rowsParameter } from './rows-parameter.ts';

const row = (json: string) => ({ row: Buffer.from(json) });

describe('rowsParameter', () => {
  it('is the rows as one JSON array', () => {
    const param = rowsParameter([row('{"id":1,"name":"ä"}'), row('{"id":2}')]);
    expect(JSON.parse(param.toString())).toEqual([{ id: 1, name: 'ä' }, { id: 2 }]);
  });

  it('copies rows that are views into larger buffers, and handles none', () => {
    const message = Buffer.from('xx{"id":3}yy');
    expect(rowsParameter([{ row: message.subarray(2, 10) }]).toString()).toBe('[{"id":3}]');
    expect(rowsParameter([]).toString()).toBe('[]');
  });
});
