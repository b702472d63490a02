/**
 * The plan `ficus init` writes, as text. With the legacy database's catalog (`--from`) it names
 * the database and the schema most tables are in, and lists every table at the end, commented:
 * its notes (cli/init/table-notes.ts) and the one-line entry (`- { source, target, key }`) a user
 * moves into a service's `owns:` or `replicates:`. Without it, the same file with placeholders.
 * As written it is a valid plan with no service; the header says what to fill in. Pure: built
 * with the yaml package's Document API (its comments, and the flow entries' quoting);
 * cli/commands/init.ts does the I/O.
 */
import YAML from 'yaml';
import type { CatalogTable, LegacyCatalog } from './legacy-catalog.ts';
import { planKey, tableNotes } from './table-notes.ts';

export type PlanSkeletonInput = {
  /** the legacy database's catalog, when `--from` read it */
  catalog?: LegacyCatalog;
  /** the database `--from` named (its password masked), for the header */
  from?: string;
};

/** What an entry names when a table has no key: a placeholder the notes explain. */
export const KEY_PLACEHOLDER = 'FILL-IN';
const WIDTH = 100;

/** The schema with the most tables (public on a tie): legacy.schema, whose entries need no sourceSchema. */
export function chooseLegacySchema(tables: CatalogTable[]): string {
  const counts = new Map<string, number>();
  for (const t of tables) counts.set(t.schema, (counts.get(t.schema) ?? 0) + 1);
  const ranked = [...counts].sort(
    (a, b) => b[1] - a[1] || Number(b[0] === 'public') - Number(a[0] === 'public'),
  );
  return ranked[0]?.[0] ?? 'public';
}

export type PlanEntry = { source: string; sourceSchema?: string; target: string; key: string[] };

/** The entry of a table: its schema named only when it is not legacy.schema. */
export function planEntry(table: CatalogTable, legacySchema: string): PlanEntry {
  return {
    source: table.table,
    ...(table.schema !== legacySchema && { sourceSchema: table.schema }),
    target: table.table,
    key: planKey(table)?.columns ?? [KEY_PLACEHOLDER],
  };
}

/** `{ source: a, target: a, key: [ id ] }`, quoted where YAML needs it. */
export function entryText(entry: PlanEntry): string {
  const doc = new YAML.Document(entry);
  YAML.visit(doc, {
    Map: (_, node) => void (node.flow = true),
    Seq: (_, node) => void (node.flow = true),
  });
  return doc.toString({ lineWidth: 0 }).trim();
}

/** Wraps a comment line at WIDTH, going on under its own indentation plus `hang`. */
function wrap(line: string, hang = 4): string[] {
  if (line.length <= WIDTH) return [line];
  const indent = line.slice(0, line.length - line.trimStart().length);
  const out: string[] = [];
  let current = indent;
  for (const word of line.trimStart().split(' ')) {
    if (current.trim() && current.length + 1 + word.length > WIDTH) {
      out.push(current);
      current = `${indent}${' '.repeat(hang)}${word}`;
    } else current = current.trim() ? `${current} ${word}` : `${current}${word}`;
  }
  return [...out, current];
}

/** Lines as a yaml comment: each gets a leading space after the `#` the stringifier adds. */
const comment = (lines: string[]) => lines.map((l) => (l ? ` ${l}` : '')).join('\n');

function header(input: PlanSkeletonInput, legacySchema: string): string[] {
  const intro = ['ficus migration plan: WHAT moves, the same in every environment (docs/plan.md).'];
  const catalog = input.catalog;
  if (!catalog)
    return [
      ...intro,
      'Written by `ficus init`. Services move one at a time: replace "services: {}" with the',
      'commented first service below it (remove the "# "), name it, list the tables it takes over',
      'and add its routes. It validates as it is (no service yet).',
    ];
  const schemas = [...new Set(catalog.tables.map((t) => t.schema))];
  return [
    ...intro,
    `Written by \`ficus init --from ${input.from ?? catalog.database}\` from the live schema: ` +
      `${catalog.tables.length} tables in ${schemas.length} schema${schemas.length === 1 ? '' : 's'} ` +
      `(${schemas.join(', ')}), each listed under "Unassigned tables" at the end with its key, ` +
      'size, foreign keys and what needs attention.',
    '',
    'It is a valid plan as written (no service yet). To move the first service:',
    '  1. replace "services: {}" with the commented example below it (remove the "# "), and name it;',
    '  2. move the entry line ("- { source: ... }") of each table it takes over into its owns:, of',
    '     each table it only reads into replicates: (remove the "# "; the notes may stay, as',
    '     comments); a table is owned by one service at most;',
    `  3. an entry with key: [ ${KEY_PLACEHOLDER} ] is a table without a key: its notes say how to give it one;`,
    "  4. add its routes, and its database to ficus.config.yaml's services:; then `ficus check`.",
    ...(schemas.length > 1
      ? [
          `The entries of tables outside legacy.schema (${legacySchema}, the schema most tables are ` +
            'in) carry their sourceSchema.',
        ]
      : []),
  ];
}

function exampleService(hasCatalog: boolean): string[] {
  return [
    'services:',
    "  first_service:                # FILL IN: the service's name (lower case, digits, _)",
    '    database: first_service     # its own database (services.<name>.database in the configuration)',
    '    # schema: public            # the schema of its tables in its database (default public)',
    ...(hasCatalog
      ? [
          '    owns:                       # FILL IN: the entries of the tables it takes over (their writes move to it), from below',
          '    replicates: []              # [] or the entries of the tables it only reads (a copy kept in sync), from below',
        ]
      : [
          '    owns:                       # legacy tables it takes over: their writes move to it',
          '      - { source: customers, target: customers, key: [id] }',
          '    replicates: []              # legacy tables it only reads: a copy kept in sync',
        ]),
    '    routes:                     # HTTP routes the proxy moves to it',
    '      - { method: GET, path: /api/FILL-IN }',
  ];
}

function unassigned(catalog: LegacyCatalog, legacySchema: string): string[] {
  const intro = [
    `─── Unassigned tables: ${catalog.tables.length} in ${catalog.database} ───`,
    "Every table ficus found, with what it found. Move each entry into a service's owns: or",
    'replicates:, or leave it here (the monolith keeps it). A foreign key between a table a service',
    'takes over and one the monolith keeps crosses the boundary once the service owns the writes:',
    'decide how each is handled before the write cut-over. What the cut-over does with each kind of',
    'key (sequences, identity columns, keys the application makes): docs/plan.md, "Keys".',
    ...(catalog.skipped.length ? [`Left out: ${catalog.skipped.join(', ')}.`] : []),
  ];
  const tables = catalog.tables.flatMap((table) => [
    '',
    ...tableNotes(table, catalog).flatMap((line) => wrap(line)),
    `      - ${entryText(planEntry(table, legacySchema))}`,
  ]);
  return [
    ...intro.flatMap((line) => wrap(line, 0)),
    ...(catalog.tables.length ? tables : ['', '(no tables found)']),
  ];
}

export function renderPlanSkeleton(input: PlanSkeletonInput = {}): string {
  const catalog = input.catalog;
  const legacySchema = catalog ? chooseLegacySchema(catalog.tables) : 'public';
  const doc = new YAML.Document({
    version: 1,
    legacy: { database: catalog?.database ?? 'app', schema: legacySchema },
    services: {},
  });
  doc.commentBefore = comment(header(input, legacySchema).flatMap((line) => wrap(line, 0)));
  const legacy = doc.get('legacy', true) as YAML.YAMLMap<YAML.Scalar, YAML.Scalar>;
  if (!catalog) legacy.items[0].value!.comment = " FILL IN: the monolith's database";
  legacy.items[1].value!.comment = catalog
    ? ' the schema most tables are in (an entry names another as its sourceSchema)'
    : ' the schema of the legacy tables';
  const services = doc.contents as YAML.YAMLMap<YAML.Scalar, unknown>;
  services.items[2].key.spaceBefore = true;
  services.items[2].key.commentBefore = comment([
    'The first service: replace "services: {}" with the example below (remove the "# ").',
  ]);
  doc.comment = comment([
    ...exampleService(catalog !== undefined),
    ...(catalog ? ['', ...unassigned(catalog, legacySchema)] : []),
  ]);
  return doc.toString({ lineWidth: 0 });
}
