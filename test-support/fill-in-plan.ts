/**
 * What a user does with the plan `ficus init --from` wrote, done by a test: take the commented
 * entry lines (`#       - { source: ..., target: ..., key: [...] }`) of some tables and put them
 * into a new service's `owns:` and `replicates:`, with the yaml package's Document API, so that
 * the header and notes stay as they were.
 */
import YAML from 'yaml';

export type PlanEntry = { source: string; sourceSchema?: string; target: string; key: string[] };

/** Every commented entry line of the plan, by source (`schema.table` when it has a sourceSchema). */
export function commentedEntries(planText: string): Map<string, PlanEntry> {
  const entries = new Map<string, PlanEntry>();
  for (const [, flow] of planText.matchAll(/^#\s+- (\{ source: .*\})\s*$/gm)) {
    const entry = YAML.parse(flow) as PlanEntry;
    entries.set(entry.sourceSchema ? `${entry.sourceSchema}.${entry.source}` : entry.source, entry);
  }
  return entries;
}

export type ServiceFill = {
  name: string;
  database: string;
  owns: string[];
  replicates?: string[];
  routes?: { method: string; path: string }[];
};

/** The plan with one service filled in from the entries of the tables it names. */
export function fillInService(planText: string, service: ServiceFill): string {
  const entries = commentedEntries(planText);
  const pick = (source: string) => {
    const entry = entries.get(source);
    if (!entry) throw new Error(`no commented entry for ${source} in the plan`);
    return entry;
  };
  const doc = YAML.parseDocument(planText);
  doc.setIn(['services', service.name], {
    database: service.database,
    owns: service.owns.map(pick),
    replicates: (service.replicates ?? []).map(pick),
    routes: service.routes ?? [{ method: 'GET', path: `/api/${service.name}` }],
  });
  const services = doc.get('services', true) as YAML.YAMLMap;
  services.flow = false;
  return doc.toString();
}
