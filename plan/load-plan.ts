/**
 * Reads the migration plan: parses the YAML, validates it against plan/plan-schema.ts, normalises
 * shorthands, then runs the semantic checks of plan/plan-checks.ts. All problems are reported at
 * once, one per line, each naming the file and the path of the bad entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../lib/config/index.ts';
import { ConfigError } from '../lib/errors.ts';
import { packagePath } from '../lib/package-paths.ts';
import { planProblems } from './plan-checks.ts';
import { schemaErrors } from './plan-schema.ts';
import type { ColumnMapping, Plan, ServicePlan, TableMapping } from './plan-types.ts';

/** The example shop's plan, which ships with ficus (the embedded stack's default). */
export const SHOP_PLAN_FILE = packagePath('plan/shop.plan.yaml');

/** The plan the configuration names (`plan:`, or FICUS_PLAN). */
export function planFile(env: NodeJS.ProcessEnv = process.env): string {
  return loadConfig({ env }).planFile;
}

type RawTable = Omit<TableMapping, 'columns'> & {
  columns?: Record<string, string | ColumnMapping>;
};
type RawService = Omit<ServicePlan, 'name' | 'owns' | 'replicates'> & {
  owns?: RawTable[];
  replicates?: RawTable[];
};

function normaliseTable(raw: RawTable): TableMapping {
  const columns = raw.columns
    ? Object.fromEntries(
        Object.entries(raw.columns).map(([source, m]) => [
          source,
          typeof m === 'string' ? { target: m } : m,
        ]),
      )
    : undefined;
  return { ...raw, columns };
}

/** How a plan file is named in messages: relative to the working directory when inside it. */
function displayName(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function invalid(file: string, problems: string[]): ConfigError {
  const name = displayName(file);
  const lines = problems.map((p) => `${name}: ${p}`);
  return new ConfigError(lines.join('\n'), { file, problems });
}

export function parsePlan(text: string, file: string): Plan {
  let raw: { version?: number; legacy?: Plan['legacy']; services?: Record<string, RawService> };
  try {
    raw = YAML.parse(text);
  } catch (error) {
    throw invalid(file, [`not valid YAML: ${(error as Error).message}`]);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw invalid(file, ['the plan must be a mapping']);
  const errors = schemaErrors(raw);
  if (errors.length) throw invalid(file, errors);
  const services = Object.entries(raw.services ?? {}).map(([name, s]) => ({
    ...s,
    name,
    owns: (s.owns ?? []).map(normaliseTable),
    replicates: (s.replicates ?? []).map(normaliseTable),
    routes: s.routes ?? [],
  }));
  const plan: Plan = {
    version: 1,
    legacy: { ...raw.legacy!, schema: raw.legacy!.schema ?? 'public' },
    services,
    file,
  };
  const problems = planProblems(plan);
  if (problems.length) throw invalid(file, problems);
  return plan;
}

export function loadPlan(file: string = planFile()): Plan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      `plan file not found: ${file} (the configuration's \`plan:\` or FICUS_PLAN names it)`,
    );
  }
  return parsePlan(text, file);
}

export function findService(plan: Plan, name: string): ServicePlan {
  const service = plan.services.find((s) => s.name === name);
  if (!service) {
    const known = plan.services.map((s) => s.name).join(', ');
    throw new ConfigError(`${plan.file}: no service "${name}" in the plan (services: ${known})`);
  }
  return service;
}
