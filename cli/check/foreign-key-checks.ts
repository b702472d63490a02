/**
 * Foreign keys across a service's boundary, and what each will do after the write cut-over, when
 * the legacy copies of the tables the service owns are fenced (rollout/legacy-fence.ts):
 * - a table the monolith keeps is the parent, a table the service owns the child, with an action
 *   that writes the child (ON DELETE / ON UPDATE CASCADE, SET NULL, SET DEFAULT): the fence would
 *   refuse the action and so fail the monolith's own delete. It fails the check unless the plan
 *   says how it is handled (`services.<name>.foreignKeys.<constraint>`); `cascade-from-monolith`
 *   also wants the same foreign key in the service's DB when the service replicates the parent;
 * - the other way round (a table the monolith keeps references one the service owns): the service's
 *   deletes reach the legacy DB through the reverse sync, which applies as a replica, so the key's
 *   action does not run there; said, not failed: nothing breaks, but rows may be left referencing
 *   a row that is gone;
 * - keys that write nothing (NO ACTION, RESTRICT) and keys between tables the service only
 *   replicates behave as before; listed, passing.
 * A TRUNCATE ... CASCADE of a parent into a fenced child is refused whatever the plan says.
 */
import type pg from 'pg';
import type { Plan, ServicePlan, TableMapping } from '../../plan/plan-types.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import {
  sourceTableOf,
  tableKey,
  tableLabel,
  targetTableOf,
  type QualifiedTable,
} from '../../plan/qualified-table.ts';

const sqlName = (t: QualifiedTable) => quoteTable(t.schema, t.table);
import { fail, pass, type CheckResult } from './check-result.ts';

/** One foreign key of the legacy DB, as the catalog gives it. */
export type LegacyForeignKey = {
  name: string;
  child: { schema: string; table: string; columns: string[] };
  parent: { schema: string; table: string; columns: string[] };
  /** pg_constraint's action letters: a no action, r restrict, c cascade, n set null, d set default */
  onDelete: string;
  onUpdate: string;
};

const ACTIONS: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};
const WRITES_CHILD = ['c', 'n', 'd'];
const FENCE_PASSES = ['c', 'n'];

const qualified = tableLabel;

/** The mapping of `service[role]` that reads the legacy table `table`. */
function mappingOf(
  plan: Plan,
  service: ServicePlan,
  role: 'owns' | 'replicates',
  table: QualifiedTable,
): TableMapping | undefined {
  return service[role].find((t) => tableKey(sourceTableOf(plan, t)) === tableKey(table));
}

/** The owner of a legacy table: this service, another one, or the monolith. */
function ownerOf(plan: Plan, table: QualifiedTable): string {
  const owner = plan.services.find((s) => mappingOf(plan, s, 'owns', table));
  return owner ? `service ${owner.name}` : 'the monolith';
}

/** What happens to the child when a parent row is deleted or re-keyed, in words. */
function actions(fk: LegacyForeignKey): string {
  const parts = [];
  if (WRITES_CHILD.includes(fk.onDelete)) parts.push(`ON DELETE ${ACTIONS[fk.onDelete]}`);
  if (WRITES_CHILD.includes(fk.onUpdate)) parts.push(`ON UPDATE ${ACTIONS[fk.onUpdate]}`);
  return parts.join(', ');
}

/** A foreign key of the service's DB. */
export type ServiceForeignKey = { child: QualifiedTable; parent: QualifiedTable; onDelete: string };

const targetColumn = (mapping: TableMapping, column: string) =>
  mapping.columns?.[column]?.target ?? column;

function serviceSideFinding(
  plan: Plan,
  fk: LegacyForeignKey,
  service: ServicePlan,
  serviceKeys: ServiceForeignKey[] | undefined,
): { ok: boolean; detail: string; fix?: string } {
  const child = mappingOf(plan, service, 'owns', fk.child)!;
  const parent = mappingOf(plan, service, 'replicates', fk.parent);
  if (!parent)
    return {
      ok: true,
      detail: `${service.name} does not replicate ${qualified(fk.parent)}: it learns of the deletion from the forward sync of ${qualified(fk.child)}, which carries the cascaded change like any other`,
    };
  if (serviceKeys === undefined)
    return { ok: true, detail: `${service.name}'s database not reachable: its key not checked` };
  const [childTarget, parentTarget] = [
    targetTableOf(service, child),
    targetTableOf(service, parent),
  ];
  const found = serviceKeys.find(
    (k) =>
      tableKey(k.child) === tableKey(childTarget) && tableKey(k.parent) === tableKey(parentTarget),
  );
  if (found && found.onDelete === fk.onDelete)
    return {
      ok: true,
      detail: `${service.name}'s ${child.target} references its copy ${parent.target} ON DELETE ${ACTIONS[fk.onDelete]} too`,
    };
  const columns = fk.child.columns.map((c) => quoteIdent(targetColumn(child, c))).join(', ');
  const parentColumns = fk.parent.columns
    .map((c) => quoteIdent(targetColumn(parent, c)))
    .join(', ');
  return {
    ok: false,
    detail: found
      ? `${service.name}'s ${child.target} references ${parent.target} ON DELETE ${ACTIONS[found.onDelete]}, the legacy key ON DELETE ${ACTIONS[fk.onDelete]}: the two sides would end different`
      : `${service.name}'s ${child.target} has no foreign key to its copy ${parent.target}: its own writes could keep rows the monolith's delete removes`,
    fix: `in ${service.name}'s database: ALTER TABLE ${sqlName(childTarget)} ADD FOREIGN KEY (${columns}) REFERENCES ${sqlName(parentTarget)} (${parentColumns}) ON DELETE ${ACTIONS[fk.onDelete]}`,
  };
}

/** The finding for one foreign key that touches `service`'s tables (pure: the catalog is read before). */
export function foreignKeyFinding(
  plan: Plan,
  service: ServicePlan,
  fk: LegacyForeignKey,
  serviceKeys?: ServiceForeignKey[],
): CheckResult {
  const owns = (table: QualifiedTable) => !!mappingOf(plan, service, 'owns', table);
  const name = `foreign key ${fk.name} (${qualified(fk.child)} -> ${qualified(fk.parent)}) across ${service.name}'s boundary`;
  const at = `services.${service.name}.foreignKeys.${fk.name}`;
  const handling = service.foreignKeys?.[fk.name];
  if (owns(fk.child) && !owns(fk.parent)) {
    const writes = actions(fk);
    const parentOwner = ownerOf(plan, fk.parent);
    if (!writes)
      return pass(
        name,
        `${ACTIONS[fk.onDelete]}: deleting a row of ${qualified(fk.parent)} (kept by ${parentOwner}) that ${qualified(fk.child)} still references fails as it does today; ${service.name} deletes its rows first`,
      );
    const what = `deleting a row of ${qualified(fk.parent)} (kept by ${parentOwner}) ${writes} into ${qualified(fk.child)}, owned by service ${service.name}`;
    if (handling === 'refuse')
      return pass(
        name,
        `${what}: after the cut-over the fence refuses it (${at}: refuse), so the monolith must have ${service.name} delete the rows first`,
      );
    if (handling === 'cascade-from-monolith') {
      const blocked = [fk.onDelete, fk.onUpdate].filter(
        (a) => WRITES_CHILD.includes(a) && !FENCE_PASSES.includes(a),
      );
      if (blocked.length)
        return fail(
          name,
          `${what}: the fence lets CASCADE and SET NULL through, not SET DEFAULT`,
          `ALTER the key to ON DELETE CASCADE or SET NULL, or set ${at}: refuse`,
        );
      const side = serviceSideFinding(plan, fk, service, serviceKeys);
      const detail = `${what}: the fence lets the action through (${at}: cascade-from-monolith); ${side.detail}`;
      return side.ok ? pass(name, detail) : fail(name, detail, side.fix!);
    }
    return fail(
      name,
      `${what}: after the cut-over the fence refuses it and the monolith's delete fails (a TRUNCATE ... CASCADE too, whatever the plan says)`,
      `say in the plan how it is handled: ${at}: cascade-from-monolith (the fence lets the action through and the forward sync carries it to ${service.name}) or ${at}: refuse (the monolith deletes those rows through ${service.name} first)`,
    );
  }
  if (owns(fk.parent) && !owns(fk.child)) {
    const writes = actions(fk);
    return pass(
      name,
      `${qualified(fk.child)} (kept by ${ownerOf(plan, fk.child)}) references ${qualified(fk.parent)}, owned by service ${service.name}: after the cut-over ${service.name}'s deletes reach the legacy DB through the reverse sync, which applies as a replica, so ` +
        (writes
          ? `${writes} does not run there and the rows of ${qualified(fk.child)} stay; have the monolith remove them, or ${service.name} not delete rows they reference`
          : `rows of ${qualified(fk.child)} can be left referencing a row that is gone; ${service.name} must not delete rows they reference`),
    );
  }
  return pass(
    name,
    `${service.name} replicates these tables and the monolith keeps writing them: the cut-over does not change this key`,
  );
}

const LEGACY_KEYS_SQL = `
SELECT c.conname AS name, c.confdeltype AS "onDelete", c.confupdtype AS "onUpdate",
       json_build_object('schema', cn.nspname, 'table', cc.relname, 'columns',
         (SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n)) AS child,
       json_build_object('schema', pn.nspname, 'table', pc.relname, 'columns',
         (SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)) AS parent
  FROM pg_constraint c
  JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
  JOIN pg_class pc ON pc.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
 WHERE c.contype = 'f'
   AND ((cn.nspname, cc.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))
     OR (pn.nspname, pc.relname) IN (SELECT * FROM unnest($1::text[], $2::text[])))
 ORDER BY cc.relname, c.conname`;

const SERVICE_KEYS_SQL = `
SELECT json_build_object('schema', cn.nspname, 'table', cc.relname) AS child,
       json_build_object('schema', pn.nspname, 'table', pc.relname) AS parent, c.confdeltype AS "onDelete"
  FROM pg_constraint c
  JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
  JOIN pg_class pc ON pc.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
 WHERE c.contype = 'f'`;

/**
 * Every foreign key between `service`'s tables (owned or replicated) and the rest of the legacy
 * DB, then every `foreignKeys` entry of the plan that names none of them.
 */
export async function foreignKeyChecks(
  legacy: pg.Client,
  plan: Plan,
  service: ServicePlan,
  serviceDb: pg.Client | null,
): Promise<CheckResult[]> {
  const tables = [...service.owns, ...service.replicates].map((t) => sourceTableOf(plan, t));
  if (!tables.length) return [];
  const { rows } = await legacy.query<LegacyForeignKey>(LEGACY_KEYS_SQL, [
    tables.map((t) => t.schema),
    tables.map((t) => t.table),
  ]);
  const mine = new Set(tables.map(tableKey));
  const owned = (t: QualifiedTable) => !!mappingOf(plan, service, 'owns', t);
  // a key between two of the service's tables crosses the boundary only when one is owned and one not
  const crossing = rows.filter(
    (fk) =>
      !(mine.has(tableKey(fk.child)) && mine.has(tableKey(fk.parent))) ||
      owned(fk.child) !== owned(fk.parent),
  );
  const serviceKeys = serviceDb
    ? (await serviceDb.query<ServiceForeignKey>(SERVICE_KEYS_SQL)).rows
    : undefined;
  const results = crossing.map((fk) => foreignKeyFinding(plan, service, fk, serviceKeys));
  const ownedKeys = new Set(rows.filter((fk) => owned(fk.child)).map((fk) => fk.name));
  for (const name of Object.keys(service.foreignKeys ?? {}))
    if (!ownedKeys.has(name))
      results.push(
        fail(
          `services.${service.name}.foreignKeys.${name} names a foreign key`,
          `no foreign key "${name}" on a table ${service.name} owns (${[...ownedKeys].join(', ') || 'they have none'})`,
          `correct the name, or remove the entry`,
        ),
      );
  return results;
}
