/**
 * Safe SQL text for names and values that come from the plan, the catalogs or the configuration:
 * the one home of identifier and literal quoting. Identifiers are always double-quoted (so
 * `order`, `Name` and `a"b` all work); type names cannot be quoted as a whole, so they are
 * checked against the shapes `format_type()` produces.
 */
import { ConfigError } from './errors.ts';

export function quoteIdent(name: string): string {
  if (name.length === 0) throw new ConfigError('an SQL identifier may not be empty');
  if (name.includes('\0'))
    throw new ConfigError(`an SQL identifier may not contain NUL: ${JSON.stringify(name)}`);
  return '"' + name.replace(/"/g, '""') + '"';
}

/** `"schema"."table"` */
export function quoteTable(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

export function quoteLiteral(value: string): string {
  if (value.includes('\0'))
    throw new ConfigError(`an SQL literal may not contain NUL: ${JSON.stringify(value)}`);
  return "'" + value.replace(/'/g, "''") + "'";
}

// What format_type() prints: `numeric(12,2)`, `timestamp with time zone`, `character varying(40)`,
// `text[]`, `"MyType"`, `public.mood`. Nothing that could end a statement or open a comment.
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_ ."]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?[A-Za-z0-9_ ]*(\[\])*$/;

export function checkTypeName(type: string, where: string): string {
  if (!TYPE_NAME.test(type) || type.includes('--')) {
    throw new ConfigError(`${where}: not a valid SQL type name: ${JSON.stringify(type)}`);
  }
  return type;
}
