#!/bin/sh
# First start of the services cluster under docker compose: the databases and roles `ficus stack up`
# creates (stack/stack-roles.ts): the kit's, Unleash's, one per plan service, Debezium's.
# Passwords come from the environment compose passes in; none is written here.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v kit_pw="$FICUS_KIT_PASSWORD" -v unleash_pw="$UNLEASH_DB_PASSWORD" \
  -v catalog_pw="$CATALOG_PASSWORD" -v orders_pw="$ORDERS_PASSWORD" -v cdc_pw="$FICUS_CDC_PASSWORD" <<'SQL'
CREATE ROLE ficus_kit LOGIN PASSWORD :'kit_pw';
CREATE DATABASE ficus OWNER ficus_kit;
CREATE ROLE unleash LOGIN PASSWORD :'unleash_pw';
CREATE DATABASE unleash OWNER unleash;
CREATE ROLE catalog LOGIN PASSWORD :'catalog_pw';
CREATE DATABASE catalog OWNER catalog;
CREATE ROLE orders LOGIN PASSWORD :'orders_pw';
CREATE DATABASE orders OWNER orders;
CREATE ROLE ficus_cdc LOGIN REPLICATION PASSWORD :'cdc_pw';
GRANT SET ON PARAMETER session_replication_role TO catalog, orders;
REVOKE CONNECT ON DATABASE unleash, catalog, orders, ficus, postgres FROM PUBLIC;
GRANT CONNECT ON DATABASE ficus TO ficus_kit;
GRANT CONNECT ON DATABASE unleash TO unleash;
GRANT CONNECT ON DATABASE catalog TO catalog, ficus_cdc;
GRANT CONNECT ON DATABASE orders TO orders, ficus_cdc;
SQL
