// `ficus migrate <service>` runs knex migrations; the circulation service writes its schema in
// plain SQL, in the file of the same name beside this one.
import fs from 'node:fs';
import { URL } from 'node:url';

const sql = (name) => fs.readFileSync(new URL(name, import.meta.url), 'utf8');

export const up = (knex) => knex.raw(sql('./0001_circulation.sql'));
export const down = (knex) => knex.raw('DROP TABLE patrons, titles, holds, loans, copies');
