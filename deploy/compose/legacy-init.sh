#!/bin/sh
# First start of the legacy cluster under docker compose: the roles `ficus stack up` creates
# (stack/stack-roles.ts): the monolith's own, ficus's (a member of it), Debezium's replication role.
# Passwords come from the environment compose passes in; none is written here.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_pw="$SHOP_PASSWORD" -v ficus_pw="$FICUS_LEGACY_PASSWORD" -v cdc_pw="$FICUS_CDC_PASSWORD" <<'SQL'
CREATE ROLE shop LOGIN PASSWORD :'app_pw';
ALTER DATABASE shop OWNER TO shop;
CREATE ROLE ficus_legacy LOGIN PASSWORD :'ficus_pw' IN ROLE shop;
GRANT SET ON PARAMETER session_replication_role TO ficus_legacy;
CREATE ROLE ficus_cdc LOGIN REPLICATION PASSWORD :'cdc_pw';
REVOKE CONNECT ON DATABASE shop, postgres FROM PUBLIC;
GRANT CONNECT ON DATABASE shop TO shop, ficus_legacy, ficus_cdc;
SQL
