/**
 * Semantic checks of a plan that a JSON schema cannot express: a target column mapped twice, a key
 * column dropped or left out, a legacy table owned by two services, a route or database claimed
 * twice, two routes that match the same paths with neither more specific, an unknown conversion, a foreign key handed over by a service that owns no table. Each problem is "<path>: <message>", the path in the plan file's
 * dotted form (services.catalog.owns[0].key), so the loader can prefix the file name.
 */
import { CONVERSION_NAMES, isConversionName } from './conversions.ts';
import type { Plan, ServicePlan, TableMapping } from './plan-types.ts';
import { sourceTableOf, tableKey, tableLabel, targetTableOf } from './qualified-table.ts';
import { ambiguityKey } from './route-pattern.ts';

function tableProblems(table: TableMapping, at: string): string[] {
  const problems: string[] = [];
  const drop = table.drop ?? [];
  const targets = new Map<string, string>();
  const claim = (target: string, where: string) => {
    const first = targets.get(target);
    if (first)
      problems.push(`${where}: target column "${target}" is mapped twice (also by ${first})`);
    else targets.set(target, where);
  };
  for (const [source, mapping] of Object.entries(table.columns ?? {})) {
    const where = `${at}.columns.${source}`;
    claim(mapping.target, where);
    if (drop.includes(source))
      problems.push(`${where}: column "${source}" is both mapped and dropped`);
    if (mapping.type !== undefined && !isConversionName(mapping.type)) {
      problems.push(
        `${where}.type: unknown conversion "${mapping.type}" (known: ${CONVERSION_NAMES.join(', ')})`,
      );
    }
  }
  // without `columns` every source column keeps its name, so a derived column may clash with any of
  // them; that needs the live table and is caught by the mapping compiler
  for (const target of Object.keys(table.derived ?? {})) claim(target, `${at}.derived.${target}`);
  table.key.forEach((key, i) => {
    if (drop.includes(key))
      problems.push(`${at}.key[${i}]: key column "${key}" may not be dropped`);
    else if (table.columns && !table.columns[key])
      problems.push(`${at}.key[${i}]: key column "${key}" is not in columns`);
  });
  return problems;
}

export function planProblems(plan: Omit<Plan, 'file'>): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const databases = new Map<string, string>();
  const routes = new Map<string, string>();
  for (const service of plan.services) {
    const at = `services.${service.name}`;
    const otherDb = databases.get(service.database);
    if (otherDb)
      problems.push(`${at}.database: database "${service.database}" is already used by ${otherDb}`);
    else databases.set(service.database, at);
    if (service.database === plan.legacy.database) {
      problems.push(
        `${at}.database: a service may not use the legacy database "${plan.legacy.database}"`,
      );
    }
    // both sides compare qualified names: `public.loans` and `lending.loans` are two tables
    const targets = new Map<string, string>();
    for (const role of ['owns', 'replicates'] as const) {
      service[role].forEach((table, i) => {
        const tableAt = `${at}.${role}[${i}]`;
        problems.push(...tableProblems(table, tableAt));
        const target = targetTableOf(service, table);
        const otherTarget = targets.get(tableKey(target));
        if (otherTarget)
          problems.push(
            `${tableAt}.target: table "${tableLabel(target)}" is already filled by ${otherTarget}`,
          );
        else targets.set(tableKey(target), tableAt);
        if (role !== 'owns') return;
        const source = sourceTableOf(plan, table);
        const owner = owners.get(tableKey(source));
        if (owner)
          problems.push(
            `${tableAt}.source: legacy table "${tableLabel(source)}" is already owned by ${owner}`,
          );
        else owners.set(tableKey(source), tableAt);
      });
    }
    problems.push(...foreignKeyProblems(service, at));
    service.routes.forEach((route, i) => {
      const id = `${route.method} ${route.path}`;
      const other = routes.get(id);
      if (other) problems.push(`${at}.routes[${i}]: route ${id} is already claimed by ${other}`);
      else routes.set(id, `${at}.routes`);
    });
  }
  return [...problems, ...ambiguousRoutes(plan)];
}

/**
 * `foreignKeys` names constraints on tables the service owns: without owned tables there is no
 * fence and nothing to hand over. Whether each constraint exists needs the live database: `ficus
 * check` says so (cli/check/foreign-key-checks.ts).
 */
function foreignKeyProblems(service: ServicePlan, at: string): string[] {
  if (service.owns.length > 0) return [];
  return Object.keys(service.foreignKeys ?? {}).map(
    (name) =>
      `${at}.foreignKeys.${name}: ${service.name} owns no table, so no foreign key of its is fenced (remove the entry or add the table under owns)`,
  );
}

/**
 * Routes of one method that match the same paths with neither more specific than the other
 * (`/api/orders/:ref` and `/api/orders/:id`): the proxy could not tell which one a request
 * meant. Only what is ambiguous however the monolith treats case; the proxy's route table
 * refuses the rest at start, knowing its setting.
 */
function ambiguousRoutes(plan: Omit<Plan, 'file'>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, { id: string; at: string }>();
  for (const service of plan.services) {
    service.routes.forEach((route, i) => {
      const id = `${route.method} ${route.path}`;
      const at = `services.${service.name}.routes[${i}]`;
      const key = `${route.method} ${ambiguityKey(route.path, { caseSensitive: true })}`;
      const other = seen.get(key);
      if (!other) return void seen.set(key, { id, at });
      if (other.id === id) return; // the same route twice: reported as claimed twice
      problems.push(
        `${at}: route ${id} is ambiguous with ${other.id} (${other.at}): both match the same ` +
          'paths and neither is more specific',
      );
    });
  }
  return problems;
}
