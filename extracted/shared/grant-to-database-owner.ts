/**
 * Migrations may run as the admin (`ficus`) rather than as the service's own login role. Tables
 * created that way belong to the admin, and the service, which connects only as its own role
 * (FTGO style), could not read them. This grants the database's owner (the service's role) all
 * rights on what the migrating user creates in `public`, now and later. When the migrations run
 * as the owner itself it does nothing.
 */
import type { Knex } from 'knex';

const GRANTS = `
DO $$
DECLARE
  owner_role text := (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database());
BEGIN
  IF owner_role <> current_user THEN
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA public TO %I', owner_role);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO %I', owner_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO %I', owner_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO %I', owner_role);
  END IF;
END $$`;

const REVOKES = `
DO $$
DECLARE
  owner_role text := (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database());
BEGIN
  IF owner_role <> current_user THEN
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM %I', owner_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %I', owner_role);
  END IF;
END $$`;

export const grantToDatabaseOwner = (knex: Knex) => knex.raw(GRANTS);
export const revokeDefaultGrants = (knex: Knex) => knex.raw(REVOKES);
