import type { Knex } from 'knex';
import {
  grantToDatabaseOwner,
  revokeDefaultGrants,
} from '../../extracted/shared/grant-to-database-owner.ts';

export const up = (knex: Knex) => grantToDatabaseOwner(knex);
export const down = (knex: Knex) => revokeDefaultGrants(knex);
