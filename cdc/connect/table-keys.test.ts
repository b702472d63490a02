import {
  keylessFinding,
  messageKeyColumns,
  needsFullIdentity,
  uniqueKeyFor,
  type TableKeys,
} from './table-keys.ts';
import { withMessageKeys } from './apply-connector.ts';
import { tableKey } from '../../plan/qualified-table.ts';

const table = { schema: 'app', table: 'events' };
const keys = (over: Partial<TableKeys> = {}): TableKeys => ({
  table,
  exists: true,
  uniqueKeys: [],
  identity: 'd',
  ...over,
});
const planKey = (key: string[]) => [{ key, planPath: 'services.s.owns[0].key' }];

describe('keylessFinding', () => {
  it('holds for a primary key, whatever the plan key (FULL replica identity covers that)', () => {
    expect(keylessFinding(keys({ primaryKey: ['id'] }), planKey(['code']))).toBeUndefined();
  });

  it('holds for a usable unique key on exactly the plan key, in any order', () => {
    const unique = { index: 'events_a_b', columns: ['b', 'a'], usable: true };
    expect(keylessFinding(keys({ uniqueKeys: [unique] }), planKey(['a', 'b']))).toBeUndefined();
  });

  it('refuses a table with neither, with the SQL that adds the plan key as primary key', () => {
    const finding = keylessFinding(keys(), planKey(['ref']));
    expect(finding?.detail).toBe(
      'app.events has no primary key and no unique key on the plan\'s key (ref, `services.s.owns[0].key`): its changes would reach Kafka without a message key and the sink would dead-letter every one ("message has no key")',
    );
    expect(finding?.fix).toBe(
      'ALTER TABLE "app"."events" ADD PRIMARY KEY ("ref"); or CREATE UNIQUE INDEX ON "app"."events" ("ref"); with ref NOT NULL',
    );
  });

  it('offers a usable unique key as the plan key, and says why another one does not count', () => {
    const finding = keylessFinding(
      keys({
        uniqueKeys: [
          { index: 'events_slug_key', columns: ['slug'], usable: true },
          { index: 'events_code_key', columns: ['code'], usable: false },
        ],
      }),
      planKey(['ref']),
    );
    expect(finding?.detail).toContain(
      'its unique keys: events_slug_key (slug), events_code_key (code) (partial, deferrable or nullable)',
    );
    expect(finding?.fix).toContain('or set `services.s.owns[0].key` to its unique key [slug]');
    expect(finding?.fix).not.toContain('[code]');
  });

  it('does not judge a table that does not exist (the mapping check names it)', () => {
    expect(keylessFinding(keys({ exists: false }), planKey(['id']))).toBeUndefined();
  });
});

describe('uniqueKeyFor', () => {
  it('skips a unique key that is partial, deferrable or nullable', () => {
    const unique = { index: 'u', columns: ['a'], usable: false };
    expect(uniqueKeyFor(keys({ uniqueKeys: [unique] }), ['a'])).toBeUndefined();
  });
});

describe('needsFullIdentity', () => {
  it.each([
    [['id'], [['id']], false],
    [['a', 'b'], [['a', 'b']], false],
    [['a', 'b'], [['b', 'a']], true],
    [['id'], [['code']], true],
    [['id'], [['id'], ['code']], true],
    [undefined, [['id']], true],
  ])('primary key %j, plan keys %j: %s', (pk, planKeys, full) => {
    expect(needsFullIdentity(pk, planKeys)).toBe(full);
  });
});

describe('messageKeyColumns', () => {
  it("names each table's key columns, the table as an escaped regular expression", () => {
    expect(
      messageKeyColumns([
        { table, key: ['a', 'b'] },
        { table: { schema: 'public', table: 'tags' }, key: ['slug'] },
      ]),
    ).toBe('app\\.events:a,b;public\\.tags:slug');
  });
});

describe('withMessageKeys (connectors apply)', () => {
  const planKeys = new Map([
    [tableKey(table), [['slug']]],
    [tableKey({ schema: 'app', table: 'orders' }), [['id']]],
  ]);
  const unique = { index: 'events_slug_key', columns: ['slug'], usable: true };

  it('names the plan key to Debezium for a table keyed by a unique key only', () => {
    const config = withMessageKeys(
      { 'slot.name': 's' },
      [
        keys({ uniqueKeys: [unique] }),
        keys({ table: { schema: 'app', table: 'orders' }, primaryKey: ['id'] }),
      ],
      planKeys,
    );
    expect(config).toEqual({ 'slot.name': 's', 'message.key.columns': 'app\\.events:slug' });
  });

  it('leaves the configuration as it is when every table has a primary key', () => {
    const config = { 'slot.name': 's' };
    expect(withMessageKeys(config, [keys({ primaryKey: ['id'] })], planKeys)).toBe(config);
  });
});
