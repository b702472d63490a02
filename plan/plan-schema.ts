/**
 * The JSON schema of a migration plan file, and its validation. Every error names the file and
 * the path of the bad entry, in the dotted form people read in YAML:
 *   shop.plan.yaml: services.catalog.owns[0].columns.price.type: must be one of cents, text, ...
 * Unknown fields are errors too, so a typo (`replicate:`) does not silently mean "nothing".
 */
import { Ajv, type ErrorObject } from 'ajv';
import { CONVERSION_NAMES } from './conversions.ts';

const name = { type: 'string', minLength: 1 };
const names = { type: 'array', items: name };

const columnMapping = {
  // `price: price` is shorthand for `price: { target: price }`; `properties`/`required` only apply to objects
  type: ['string', 'object'],
  minLength: 1,
  properties: { target: name, type: { enum: CONVERSION_NAMES } },
  required: ['target'],
  additionalProperties: false,
};

const tableMapping = {
  type: 'object',
  properties: {
    source: name,
    sourceSchema: name,
    target: name,
    targetSchema: name,
    key: { ...names, minItems: 1 },
    columns: { type: 'object', additionalProperties: columnMapping },
    derived: { type: 'object', additionalProperties: name },
    drop: names,
  },
  required: ['source', 'target', 'key'],
  additionalProperties: false,
};

// `$.a.b`, `$..token`, `$.items[*].phone`, or `header:x-tenant`
const REDACTION_ENTRY = "^(\\$|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+$)";
const redactionEntries = { type: 'array', items: { type: 'string', pattern: REDACTION_ENTRY } };

const compare = {
  type: 'object',
  properties: {
    ignore: names,
    unordered: names,
    numericTolerance: { type: 'number', minimum: 0 },
    headers: names,
    redact: redactionEntries,
    unredact: redactionEntries,
  },
  additionalProperties: false,
};

const route = {
  type: 'object',
  properties: {
    method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
    path: { type: 'string', pattern: '^/' },
    compare,
  },
  required: ['method', 'path'],
  additionalProperties: false,
};

const gates = {
  type: 'object',
  properties: {
    minComparisons: { type: 'integer', minimum: 0 },
    minMatchRate: { type: 'number', minimum: 0, maximum: 1 },
    maxVerifyAgeMinutes: { type: 'number', exclusiveMinimum: 0 },
    maxSyncLagMs: { type: 'number', minimum: 0 },
    maxErrorRateDelta: { type: 'number', minimum: 0 },
    maxP99Ratio: { type: 'number', exclusiveMinimum: 0 },
  },
  additionalProperties: false,
};

export const FOREIGN_KEY_HANDLINGS = ['cascade-from-monolith', 'refuse'];
export const INITIAL_LOADS = ['copy', 'debezium-snapshot'];

const service = {
  type: 'object',
  properties: {
    database: name,
    schema: name,
    owns: { type: 'array', items: tableMapping },
    replicates: { type: 'array', items: tableMapping },
    routes: { type: 'array', items: route },
    compare,
    gates,
    foreignKeys: {
      type: 'object',
      additionalProperties: { enum: FOREIGN_KEY_HANDLINGS },
    },
    initialLoad: { enum: INITIAL_LOADS },
  },
  required: ['database'],
  additionalProperties: false,
};

export const PLAN_SCHEMA = {
  type: 'object',
  properties: {
    version: { const: 1 },
    legacy: {
      type: 'object',
      properties: { database: name, schema: name },
      required: ['database'],
      additionalProperties: false,
    },
    services: {
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: service,
    },
  },
  required: ['version', 'legacy', 'services'],
  additionalProperties: false,
};

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(PLAN_SCHEMA);

/** `/services/catalog/owns/0/columns/price` -> `services.catalog.owns[0].columns.price` */
export function dottedPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce(
    (out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

function describe(error: ErrorObject): { path: string; message: string } {
  const at = dottedPath(error.instancePath);
  const join = (child: string) => (at ? `${at}.${child}` : child);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: join(String(p.missingProperty)), message: 'required' };
    case 'additionalProperties':
      return { path: join(String(p.additionalProperty)), message: 'unknown field' };
    case 'enum':
      return { path: at, message: `must be one of ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      if (p.pattern === REDACTION_ENTRY)
        return { path: at, message: 'must be a JSON path ($.a.b, $..token) or header:<name>' };
      return { path: at, message: error.message ?? error.keyword };
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'propertyNames':
      return {
        path: join(String(p.propertyName)),
        message: 'service names are lower case letters, digits and _',
      };
    default:
      return { path: at, message: error.message ?? error.keyword };
  }
}

/** Returns the schema errors of a parsed plan document, each as "<path>: <message>", file-relative. */
export function schemaErrors(document: unknown): string[] {
  if (validate(document)) return [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    // propertyNames reports twice (the name, then the object); the first says it all
    if (error.keyword === 'pattern' && error.instancePath === '' && error.propertyName) continue;
    const { path, message } = describe(error);
    seen.add(path ? `${path}: ${message}` : message);
  }
  return [...seen];
}
