/**
 * Reads the migration plan. Validation against plan/plan-schema.ts (with errors naming the path
 * of the bad entry) belongs here too; the CDC work extends it.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../lib/errors.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import type { ColumnMapping, Plan, ServicePlan, TableMapping } from './plan-types.ts';

export const DEFAULT_PLAN_FILE = path.join(REPO_ROOT, 'plan', 'shop.plan.yaml');

export function planFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.FICUS_PLAN ?? DEFAULT_PLAN_FILE);
}

type RawTable = Omit<TableMapping, 'columns'> & { columns?: Record<string, string | ColumnMapping> };
type RawService = Omit<ServicePlan, 'name' | 'owns' | 'replicates'> & { owns?: RawTable[]; replicates?: RawTable[] };

function normaliseTable(raw: RawTable): TableMapping {
  const columns = raw.columns
    ? Object.fromEntries(
        Object.entries(raw.columns).map(([source, m]) => [source, typeof m === 'string' ? { target: m } : m]),
      )
    : undefined;
  return { ...raw, columns };
}

export function parsePlan(text: string, file: string): Plan {
  let raw: { version?: number; legacy?: Plan['legacy']; services?: Record<string, RawService> };
  try {
    raw = YAML.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (!raw || typeof raw !== 'object') throw new ConfigError(`${file}: the plan must be a mapping`);
  if (raw.version !== 1) throw new ConfigError(`${file}: version: must be 1`);
  if (!raw.legacy?.database) throw new ConfigError(`${file}: legacy.database: required`);
  const services = Object.entries(raw.services ?? {}).map(([name, s]) => ({
    ...s,
    name,
    owns: (s.owns ?? []).map(normaliseTable),
    replicates: (s.replicates ?? []).map(normaliseTable),
    routes: s.routes ?? [],
  }));
  return { version: 1, legacy: { schema: 'public', ...raw.legacy }, services, file };
}

export function loadPlan(file: string = planFile()): Plan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`plan file not found: ${file} (set FICUS_PLAN to point at another)`);
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
