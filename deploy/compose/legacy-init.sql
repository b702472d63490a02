-- First start of the legacy cluster under docker compose: the monolith's login role.
CREATE ROLE shop LOGIN PASSWORD 'shop';
ALTER DATABASE shop OWNER TO shop;
REVOKE CONNECT ON DATABASE shop, postgres FROM PUBLIC;
GRANT CONNECT ON DATABASE shop TO shop;
