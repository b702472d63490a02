import {
  SourcePrerequisiteError,
  tableKeyFinding,
  walLevelFinding,
} from './source-prerequisites.ts';

describe('walLevelFinding', () => {
  it('holds for logical', () => {
    expect(walLevelFinding('logical', 'legacy database')).toBeUndefined();
  });

  it('names the setting, where, and the SQL with the restart it needs', () => {
    expect(walLevelFinding('replica', 'legacy database')).toEqual({
      name: 'legacy database has wal_level = logical',
      detail: 'wal_level = replica: logical decoding (Debezium) needs logical',
      fix: 'as a superuser: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL',
    });
  });
});

describe('SourcePrerequisiteError', () => {
  it('lists every finding with its fix, as ficus check words them', () => {
    const keyless = tableKeyFinding(
      { table: { schema: 'public', table: 'events' }, exists: true, uniqueKeys: [], identity: 'd' },
      [{ key: ['ref'], planPath: 'services.s.owns[0].key' }],
    )!;
    const error = new SourcePrerequisiteError('the legacy database (shop)', [
      walLevelFinding('replica', 'the legacy database (shop)')!,
      keyless,
    ]);
    expect(error.code).toBe('source_prerequisite');
    expect(error.message).toBe(
      'the legacy database (shop) is not ready for change capture (`ficus check` lists every prerequisite):\n' +
        '- the legacy database (shop) has wal_level = logical: wal_level = replica: logical decoding (Debezium) needs logical\n' +
        '  fix: as a superuser: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL\n' +
        `- public.events has a key: ${keyless.detail}\n` +
        `  fix: ${keyless.fix}`,
    );
  });
});
