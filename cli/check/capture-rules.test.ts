import type { TableKeys } from '../../cdc/connect/table-keys.ts';
import { capacityChecks, publicationCheck, replicaIdentityCheck } from './capture-rules.ts';

describe('capacityChecks', () => {
  const settings = { maxSlots: 3, maxSenders: 3, sendersInUse: 2 };

  it('counts one slot per connector ficus will create, and a sender for each not streaming', () => {
    const [slots, senders] = capacityChecks(
      'legacy database',
      settings,
      [
        { slot: 'other', active: true },
        { slot: 'ficus_a_forward', active: true },
      ],
      ['ficus_a_forward', 'ficus_b_forward'],
    );
    expect(slots).toEqual({
      name: 'legacy database has free replication slots',
      ok: true,
      detail: '2 of max_replication_slots = 3 in use; 1 more needed (ficus_b_forward)',
    });
    expect(senders.ok).toBe(true);
    expect(senders.detail).toBe('2 of max_wal_senders = 3 in use; 1 more needed (ficus_b_forward)');
  });

  it('fails with the setting to raise when there are too few', () => {
    const [slots, senders] = capacityChecks(
      'legacy database',
      { maxSlots: 1, maxSenders: 1, sendersInUse: 1 },
      [{ slot: 'other', active: true }],
      ['ficus_a_forward'],
    );
    expect(slots.ok).toBe(false);
    expect(slots.fix).toContain(
      'ALTER SYSTEM SET max_replication_slots = 2; then restart PostgreSQL',
    );
    expect(senders.ok).toBe(false);
    expect(senders.fix).toBe(
      'as a superuser: ALTER SYSTEM SET max_wal_senders = 2; then restart PostgreSQL',
    );
  });

  it('needs a sender, not a slot, for an existing slot nobody streams from', () => {
    const [slots, senders] = capacityChecks(
      'x',
      { maxSlots: 1, maxSenders: 1, sendersInUse: 1 },
      [{ slot: 'ficus_a_forward', active: false }],
      ['ficus_a_forward'],
    );
    expect(slots.ok).toBe(true);
    expect(senders.ok).toBe(false);
  });
});

describe('replicaIdentityCheck', () => {
  const table = { schema: 'public', table: 'skus' };
  const keys = (over: Partial<TableKeys>): TableKeys => ({
    table,
    exists: true,
    uniqueKeys: [],
    primaryKey: ['id'],
    identity: 'd',
    ...over,
  });

  it('holds DEFAULT where the plan key is the primary key', () => {
    expect(replicaIdentityCheck('db', keys({}), [['id']], true)?.ok).toBe(true);
  });

  it('leaves FULL to connectors apply before the table is published', () => {
    const result = replicaIdentityCheck('db', keys({}), [['code']], false);
    expect(result).toEqual({
      name: 'db: public.skus has the replica identity it needs',
      ok: true,
      detail:
        "DEFAULT now; `ficus connectors apply` sets FULL (the plan's key (code) is not the primary key (id))",
    });
  });

  it('fails once published without FULL, with the SQL', () => {
    const result = replicaIdentityCheck('db', keys({ identity: 'i' }), [['code']], true);
    expect(result?.ok).toBe(false);
    expect(result?.fix).toBe('ALTER TABLE "public"."skus" REPLICA IDENTITY FULL;');
  });

  it("fails NOTHING, which makes the monolith's own updates fail once published", () => {
    const result = replicaIdentityCheck('db', keys({ identity: 'n' }), [['id']], false);
    expect(result?.ok).toBe(false);
    expect(result?.fix).toBe('ALTER TABLE "public"."skus" REPLICA IDENTITY DEFAULT;');
  });
});

describe('publicationCheck', () => {
  const a = { schema: 'public', table: 'a' };
  const b = { schema: 'public', table: 'b' };
  const every = ['insert', 'update', 'delete', 'truncate'];

  it('holds when it does not exist yet (connectors apply creates it)', () => {
    expect(publicationCheck('db', 'p', undefined, [a]).ok).toBe(true);
  });

  it('holds for FOR ALL TABLES', () => {
    const state = { name: 'p', allTables: true, tables: [], publishes: every };
    expect(publicationCheck('db', 'p', state, [a, b]).ok).toBe(true);
  });

  it('names the tables and operations it misses, with the SQL', () => {
    const state = { name: 'p', allTables: false, tables: [a], publishes: ['insert'] };
    const result = publicationCheck('db', 'p', state, [a, b]);
    expect(result.detail).toBe(
      'does not publish public.b; does not publish update, delete, truncate: those changes would never reach the sink',
    );
    expect(result.fix).toBe(
      `ALTER PUBLICATION "p" ADD TABLE "public"."b"; ALTER PUBLICATION "p" SET (publish = 'insert, update, delete, truncate'); (or \`ficus connectors apply\`, which re-sets its tables)`,
    );
  });
});
