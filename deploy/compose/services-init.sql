-- First start of the services cluster under docker compose: the same databases and login roles
-- that `ficus stack up` creates (stack/databases.ts): Unleash's own, and one per plan service.
CREATE ROLE unleash LOGIN PASSWORD 'unleash';
CREATE DATABASE unleash OWNER unleash;
CREATE ROLE catalog LOGIN PASSWORD 'catalog';
CREATE DATABASE catalog OWNER catalog;
CREATE ROLE orders LOGIN PASSWORD 'orders';
CREATE DATABASE orders OWNER orders;
REVOKE CONNECT ON DATABASE unleash, catalog, orders, ficus, postgres FROM PUBLIC;
GRANT CONNECT ON DATABASE unleash TO unleash;
GRANT CONNECT ON DATABASE catalog TO catalog;
GRANT CONNECT ON DATABASE orders TO orders;
