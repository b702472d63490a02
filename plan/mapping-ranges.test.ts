import { compileTableMapping, type ColumnInfo } from './mapping.ts';
import { describeRangeFinding, mappingRangeFindings } from './mapping-ranges.ts';
import type { ColumnMapping } from './plan-types.ts';

/** one source column mapped to one target column, the source table being `t` */
function check(sourceType: string, targetType: string | undefined, conversion?: string) {
  const columns: ColumnInfo[] = [
    { name: 'id', type: 'bigint' },
    { name: 'v', type: sourceType },
  ];
  const mapping: ColumnMapping = conversion ? { target: 'w', type: conversion } : { target: 'w' };
  const compiled = compileTableMapping(
    { source: 't', target: 'u', key: ['id'], columns: { id: { target: 'id' }, v: mapping } },
    columns,
  );
  return mappingRangeFindings(
    compiled,
    targetType === undefined ? { id: 'bigint' } : { id: 'bigint', w: targetType },
  );
}

const lines = (sourceType: string, targetType: string | undefined, conversion?: string) =>
  check(sourceType, targetType, conversion).findings.map(describeRangeFinding);

describe('mappingRangeFindings', () => {
  it('numeric(12,2) into integer cents: prices from 21,474,836.48 up do not fit', () => {
    const { findings } = check('numeric(12,2)', 'integer', 'cents');
    expect(findings).toEqual([
      {
        kind: 'range',
        source: { table: 't', column: 'v', type: 'numeric(12,2)' },
        target: { table: 'u', column: 'w', type: 'integer' },
        conversion: 'cents',
        values: 'values from 21,474,836.48 up and from -21,474,836.49 down do not fit integer',
        allows: 'the source allows -9,999,999,999.99 to 9,999,999,999.99',
        misfit: 'src."v" >= 21474836.48 OR src."v" <= -21474836.49',
      },
    ]);
    expect(describeRangeFinding(findings[0])).toBe(
      't.v numeric(12,2) -> u.w integer (cents): values from 21,474,836.48 up and from -21,474,836.49 down do not fit integer; the source allows -9,999,999,999.99 to 9,999,999,999.99',
    );
  });

  it('numeric(12,2) into bigint cents holds every value', () => {
    expect(check('numeric(12,2)', 'bigint', 'cents').findings).toEqual([]);
  });

  it("judges the conversion's own bigint even into a wide target, and sub-cent rounding", () => {
    expect(lines('numeric(30,4)', 'numeric', 'cents')).toEqual([
      't.v numeric(30,4) -> u.w numeric (cents): values from 92,233,720,368,547,758.0750 up and from -92,233,720,368,547,758.0850 down do not fit bigint; the source allows -99,999,999,999,999,999,999,999,999.9999 to 99,999,999,999,999,999,999,999,999.9999',
      't.v numeric(30,4) -> u.w numeric (cents): values with more than 2 decimals are rounded to 2; the source keeps 4',
    ]);
  });

  it('bigint into integer, and integer into smallint', () => {
    expect(lines('bigint', 'integer')).toEqual([
      't.v bigint -> u.w integer: values from 2,147,483,648 up and from -2,147,483,649 down do not fit integer; the source allows -9,223,372,036,854,775,808 to 9,223,372,036,854,775,807',
    ]);
    expect(check('integer', 'smallint').findings[0].misfit).toBe(
      'src."v" >= 32768 OR src."v" <= -32769',
    );
    expect(check('integer', 'bigint').findings).toEqual([]);
    expect(check('smallint', 'numeric(5,0)').findings).toEqual([]);
  });

  it('a smaller numeric: range from the rounding edge, decimals rounded away', () => {
    expect(lines('numeric(12,2)', 'numeric(8,1)')).toEqual([
      't.v numeric(12,2) -> u.w numeric(8,1): values from 9,999,999.95 up and from -9,999,999.95 down do not fit numeric(8,1); the source allows -9,999,999,999.99 to 9,999,999,999.99',
      't.v numeric(12,2) -> u.w numeric(8,1): values with more than 1 decimal are rounded to 1; the source keeps 2',
    ]);
    expect(check('numeric(12,2)', 'numeric(14,2)').findings).toEqual([]);
    expect(check('numeric', 'numeric(14,2)').findings.map((f) => f.kind)).toEqual([
      'range',
      'precision',
    ]);
    expect(check('numeric(10,2)', 'integer').findings.map((f) => f.values)).toEqual([
      'values with decimals are rounded to whole numbers',
    ]);
  });

  it('a longer varchar or text into a shorter varchar', () => {
    expect(lines('character varying(200)', 'character varying(40)')).toEqual([
      't.v character varying(200) -> u.w character varying(40): strings longer than 40 characters do not fit; the source allows up to 200',
    ]);
    expect(check('text', 'character varying(40)').findings[0]).toMatchObject({
      allows: 'the source allows any length',
      misfit: 'char_length(src."v") > 40',
    });
    expect(check('character varying(40)', 'character varying(40)').findings).toEqual([]);
    expect(check('character varying(40)', 'text').findings).toEqual([]);
  });

  it('timestamps: the zone dropped, precision rounded; the timestamp conversion keeps milliseconds', () => {
    expect(check('timestamp with time zone', 'timestamp without time zone').findings).toEqual([
      expect.objectContaining({ kind: 'time-zone', misfit: 'src."v" IS NOT NULL' }),
    ]);
    expect(lines('timestamp with time zone', 'timestamp(3) with time zone')).toEqual([
      't.v timestamp with time zone -> u.w timestamp(3) with time zone: fractions of a second beyond 3 digits are rounded away; the source keeps 6',
    ]);
    expect(
      check('timestamp with time zone', 'timestamp(3) with time zone', 'timestamp').findings,
    ).toEqual([]);
    expect(
      check('timestamp with time zone', 'timestamp(0) with time zone', 'timestamp').findings[0]
        .values,
    ).toBe('fractions of a second beyond 0 digits are rounded away');
    expect(check('timestamp without time zone', 'date').findings[0].values).toBe(
      'the time of day is dropped',
    );
    expect(check('date', 'timestamp with time zone').findings).toEqual([]);
  });

  it('floats: a double into real loses digits; a double into integer has a range', () => {
    expect(check('double precision', 'real').findings.map((f) => f.kind)).toEqual(['precision']);
    expect(check('bigint', 'double precision').findings.map((f) => f.kind)).toEqual(['precision']);
    expect(check('integer', 'double precision').findings).toEqual([]);
    expect(check('double precision', 'integer').findings.map((f) => f.kind)).toEqual([
      'range',
      'precision',
    ]);
  });

  it('a target of unknown type: only the conversion is judged, the column is unjudged', () => {
    const result = check('numeric(12,2)', undefined, 'cents');
    expect(result.findings).toEqual([]);
    expect(result.unjudged).toEqual([
      {
        source: { table: 't', column: 'v', type: 'numeric(12,2)' },
        target: { table: 'u', column: 'w' },
        reason: 'the type of the target column is not known',
      },
    ]);
    expect(check('bigint', undefined, 'integer').findings[0].values).toBe(
      'values from 2,147,483,648 up and from -2,147,483,649 down do not fit integer',
    );
  });

  it('types it does not model are not findings', () => {
    expect(check('boolean', 'boolean').findings).toEqual([]);
    expect(check('jsonb', 'jsonb').findings).toEqual([]);
    expect(check('uuid', 'text').findings).toEqual([]);
  });

  it('judges a domain by its base type, on either side', () => {
    const compiled = compileTableMapping(
      { source: 't', target: 'u', key: ['id'] },
      [
        { name: 'id', type: 'bigint' },
        { name: 'amount', type: 'money4', portable: 'numeric(14,4)' },
      ],
      {
        target: [
          { name: 'id', type: 'bigint' },
          { name: 'amount', type: 'money2', portable: 'numeric(12,2)' },
        ],
      },
    );
    const { findings } = mappingRangeFindings(compiled, { id: 'bigint', amount: 'money2' });
    expect(findings.map((f) => f.kind).sort()).toEqual(['precision', 'range']);
  });
});
