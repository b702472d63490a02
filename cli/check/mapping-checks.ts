/**
 * The plan against the live databases: every table and column it maps exists on both sides, the
 * sink's own statements are valid there (each mapped value can be placed in its target column's
 * type, the key has a unique constraint to upsert on, the sink's role may write: PostgreSQL plans
 * them with EXPLAIN, without running them), and every mapped column's target holds every value its
 * legacy column allows (plan/mapping-ranges.ts), with how many legacy rows already do not fit.
 */
import type pg from 'pg';
import { errorMessage } from '../../lib/errors.ts';
import { describeTable } from '../../plan/describe-table.ts';
import {
  compileTableMapping,
  renderStagedUpsert,
  type CompiledTable,
  type Direction,
} from '../../plan/mapping.ts';
import {
  describeRangeFinding,
  mappingRangeFindings,
  type RangeFinding,
} from '../../plan/mapping-ranges.ts';
import type { Plan, ServicePlan, TableMapping } from '../../plan/plan-types.ts';
import { sourceTableOf, targetTableOf } from '../../plan/qualified-table.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import { fail, pass, type CheckResult } from './check-result.ts';

const COUNT_TIMEOUT_MS = 15_000;

type Side = { db: pg.Client; schema: string };

/** Compiles one mapping against both sides, or says what is missing. */
async function compileLive(
  mapping: TableMapping,
  legacy: Side,
  service: Side,
): Promise<{ compiled: CompiledTable; targetTypes: Record<string, string> } | string> {
  const sourceColumns = await describeTable(legacy.db, legacy.schema, mapping.source);
  if (!sourceColumns.length)
    return `legacy table ${legacy.schema}.${mapping.source} does not exist`;
  const targetColumns = await describeTable(service.db, service.schema, mapping.target);
  if (!targetColumns.length)
    return `table ${service.schema}.${mapping.target} does not exist in the service's database`;
  let compiled: CompiledTable;
  try {
    compiled = compileTableMapping(mapping, sourceColumns, {
      sourceSchema: legacy.schema,
      targetSchema: service.schema,
    });
  } catch (error) {
    return errorMessage(error);
  }
  const targetTypes = Object.fromEntries(targetColumns.map((c) => [c.name, c.type]));
  const absent = compiled.targetColumns.filter((t) => !(t.name in targetTypes)).map((t) => t.name);
  if (absent.length)
    return `${mapping.target} has no column ${absent.join(', ')} (the plan maps into it)`;
  return { compiled, targetTypes };
}

/** How many legacy rows already do not fit, or why they could not be counted. */
async function countMisfits(legacy: pg.Client, compiled: CompiledTable, finding: RangeFinding) {
  if (!finding.misfit) return '';
  const table = quoteTable(compiled.source.schema, compiled.source.table);
  try {
    await legacy.query(`SET statement_timeout = ${COUNT_TIMEOUT_MS}`);
    const { rows } = await legacy.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table} AS src WHERE ${finding.misfit}`,
    );
    const n = Number(rows[0].n);
    return n === 0
      ? ' (no legacy row does yet)'
      : ` (${n} legacy row${n === 1 ? '' : 's'} already)`;
  } catch (error) {
    return ` (not counted: ${errorMessage(error)})`;
  } finally {
    await legacy.query('RESET statement_timeout').catch(() => undefined);
  }
}

function rangeFix(service: string, f: RangeFinding): string {
  const column = `${f.target.table}.${f.target.column}`;
  const wider: Record<RangeFinding['kind'], string> = {
    range:
      'a type that holds the whole range (bigint for cents of a numeric(12,2), a larger numeric)',
    precision: 'a type that keeps as many digits (the same scale or timestamp precision)',
    length: 'a longer varchar, or text',
    'time-zone': 'timestamp with time zone',
  };
  return `change ${column} to ${wider[f.kind]} in a migration of ${service}, or map the column with a conversion that fits`;
}

/** How to fix a statement PostgreSQL refused, by its SQLSTATE. */
function statementFix(
  code: string | undefined,
  message: string,
  into: CompiledTable['target'],
  key: string[],
  owner: string,
  planPath: string,
): string {
  const table = quoteTable(into.schema, into.table);
  if (code === '42804' || code === '42846')
    return `change the column's type in a migration of ${owner}, or convert it in the plan (\`${planPath}.columns.<column>.type\`: a conversion of docs/plan.md)`;
  if (code === '42P10')
    return `ALTER TABLE ${table} ADD PRIMARY KEY (${key.map(quoteIdent).join(', ')}); (or CREATE UNIQUE INDEX ON ${table} (${key.map(quoteIdent).join(', ')});): the sink upserts on the plan's key`;
  if (code === '42704')
    return `create the type in the database the sink writes to (as in ${owner}'s migrations), or convert the column in the plan (\`${planPath}.columns\`)`;
  // a published table without a replica identity: PostgreSQL refuses its UPDATEs
  if (code === '55000' && /replica identity/i.test(message))
    return `ALTER TABLE ${table} REPLICA IDENTITY FULL;`;
  if (code === '42501')
    return `grant the sink's role what it needs on ${table} (ficus migrate ${owner})`;
  return `fix the table in a migration of ${owner}, or the mapping at \`${planPath}\``;
}

/**
 * The sink's upsert for one direction, planned (EXPLAIN, nothing runs) where it writes: forward
 * into the service's DB, reverse into the legacy DB. PostgreSQL judges what no reading of the
 * catalog could: every assignment cast, the ON CONFLICT key, the role's privileges.
 */
async function statementCheck(
  what: string,
  compiled: CompiledTable,
  direction: Direction,
  db: pg.Client,
  owner: string,
  planPath: string,
): Promise<CheckResult> {
  const into = direction === 'forward' ? compiled.target : compiled.source;
  const key = direction === 'forward' ? compiled.targetKey : compiled.sourceKey;
  const name = `${what}: the ${direction} sink can write ${into.schema}.${into.table}`;
  try {
    await db.query(`EXPLAIN ${renderStagedUpsert(compiled, direction, "'[]'")}`);
    return pass(name, "every mapped value fits its column's type; the key has a unique constraint");
  } catch (error) {
    const { code, hint } = error as { code?: string; hint?: string };
    return fail(
      name,
      `${into.schema}.${into.table}: ${errorMessage(error)}${hint ? ` (${hint})` : ''}`,
      statementFix(code, errorMessage(error), into, key, owner, planPath),
    );
  }
}

/** Which of the mapping checks to run: every one for `ficus check`; a command, what it needs. */
export type MappingScope = { directions: Direction[]; ranges: boolean };
const EVERY_CHECK: MappingScope = { directions: ['forward', 'reverse'], ranges: true };

async function tableChecks(
  service: ServicePlan,
  mapping: TableMapping,
  legacy: Side,
  serviceSide: Side,
  planPath: string,
  scope: MappingScope,
): Promise<CheckResult[]> {
  const what = `${service.name}: ${mapping.source} -> ${mapping.target}`;
  const live = await compileLive(mapping, legacy, serviceSide);
  if (typeof live === 'string')
    return [
      fail(
        `${what}: tables and columns exist`,
        live,
        `create what is missing (\`ficus migrate ${service.name}\` for the service's tables) or fix the plan's mapping`,
      ),
    ];
  const { compiled, targetTypes } = live;
  const owned = service.owns.includes(mapping);
  const results = [
    pass(
      `${what}: tables and columns exist`,
      `${compiled.targetColumns.length} target column(s) mapped`,
    ),
    ...(scope.directions.includes('forward')
      ? [await statementCheck(what, compiled, 'forward', serviceSide.db, service.name, planPath)]
      : []),
    ...(owned && scope.directions.includes('reverse')
      ? [await statementCheck(what, compiled, 'reverse', legacy.db, 'the monolith', planPath)]
      : []),
  ];
  if (!scope.ranges) return results;
  const { findings } = mappingRangeFindings(compiled, targetTypes);
  for (const f of findings) {
    const counted = await countMisfits(legacy.db, compiled, f);
    results.push(
      fail(
        `${what}: ${f.source.column} -> ${f.target.column} holds every legacy value`,
        `${service.name}: ${describeRangeFinding(f)}${counted}`,
        rangeFix(service.name, f),
      ),
    );
  }
  if (!findings.length)
    results.push(
      pass(`${what}: every mapped column holds every legacy value`, 'no mapping narrows a type'),
    );
  return results;
}

/** Every table mapping of a service, against the legacy DB and the service's own DB. */
export async function serviceMappingChecks(
  plan: Plan,
  service: ServicePlan,
  legacy: pg.Client,
  serviceDb: pg.Client,
  scope: MappingScope = EVERY_CHECK,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const mappings = [
    ...service.owns.map((m, i) => ({ m, path: `services.${service.name}.owns[${i}]` })),
    ...service.replicates.map((m, i) => ({ m, path: `services.${service.name}.replicates[${i}]` })),
  ];
  // each table in its own schema (a table's sourceSchema / targetSchema, plan/qualified-table.ts)
  for (const { m, path } of mappings)
    results.push(
      ...(await tableChecks(
        service,
        m,
        { db: legacy, schema: sourceTableOf(plan, m).schema },
        { db: serviceDb, schema: targetTableOf(service, m).schema },
        path,
        scope,
      )),
    );
  return results;
}
