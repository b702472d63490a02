/**
 * A set of rows as the one parameter of a set-based statement (`json_to_recordset($1::json)`),
 * sent in the binary format, which for `json` is the JSON text itself. The rows are JSON text
 * already (often the very bytes Debezium wrote, change-event.ts), so the array is built by
 * copying each once; nothing is decoded into strings and encoded back.
 */
const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

export function rowsParameter(rows: { row: Buffer }[]): Buffer {
  let length = 2 + Math.max(0, rows.length - 1);
  for (const r of rows) length += r.row.length;
  const out = Buffer.allocUnsafe(length);
  out[0] = OPEN;
  let at = 1;
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) out[at++] = COMMA;
    at += rows[i].row.copy(out, at);
  }
  out[at] = CLOSE;
  return out;
}
