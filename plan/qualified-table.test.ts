import { sourceTableOf, tableKey, tableLabel, targetTableOf } from './qualified-table.ts';

const plan = { legacy: { database: 'app', schema: 'public' } };

describe('sourceTableOf', () => {
  it("names the legacy table in the plan's legacy.schema", () => {
    expect(sourceTableOf(plan, { source: 'members' })).toEqual({
      schema: 'public',
      table: 'members',
    });
  });

  it("lets a table's sourceSchema override legacy.schema", () => {
    expect(sourceTableOf(plan, { source: 'loans', sourceSchema: 'lending' })).toEqual({
      schema: 'lending',
      table: 'loans',
    });
  });
});

describe('targetTableOf', () => {
  it("names the service's table in the service's schema, public when it has none", () => {
    expect(targetTableOf({}, { target: 'members' })).toEqual({
      schema: 'public',
      table: 'members',
    });
    expect(targetTableOf({ schema: 'ledger' }, { target: 'members' })).toEqual({
      schema: 'ledger',
      table: 'members',
    });
  });

  it("lets a table's targetSchema override the service's schema", () => {
    expect(
      targetTableOf({ schema: 'ledger' }, { target: 'loans', targetSchema: 'lending' }),
    ).toEqual({ schema: 'lending', table: 'loans' });
  });
});

describe('tableKey', () => {
  it('tells apart names that a dotted label would run together', () => {
    const a = { schema: 'a.b', table: 'c' };
    const b = { schema: 'a', table: 'b.c' };
    expect(tableLabel(a)).toBe(tableLabel(b));
    expect(tableKey(a)).not.toBe(tableKey(b));
  });
});
