/**
 * Entry point of the embedded Unleash server (the `unleash-server` package from npm), on its own
 * database on the services cluster. Run by `ficus stack up` as a child process; its settings
 * come in through the environment (UNLEASH_DATABASE_URL, HTTP_PORT, INIT_*_API_TOKENS).
 */
import { start } from 'unleash-server';
import { keepServingThroughRejections } from './unleash-guards.ts';

const databaseUrl = process.env.UNLEASH_DATABASE_URL;
const port = Number(process.env.HTTP_PORT);
if (!databaseUrl || !Number.isInteger(port)) {
  console.error(
    'unleash-server: UNLEASH_DATABASE_URL and HTTP_PORT must be set (ficus stack up sets them)',
  );
  process.exit(2);
}

const guards = keepServingThroughRejections();

// An end nobody asked for must say how it came: a signal, or an exit code.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.once(signal, () => {
    console.error(`unleash-server: stopping on ${signal}`);
    process.exit(0);
  });
process.on('exit', (code) => console.error(`unleash-server: exiting with code ${code}`));

const url = new URL(databaseUrl);
await start({
  db: {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    ssl: false,
  },
  server: { host: '127.0.0.1', port },
  versionCheck: { enable: false },
  // No `admin`/`unleash4all` login: ficus drives Unleash with the generated admin token, and a
  // well-known password would be a way in for anyone who reaches the port.
  authentication: { createAdminUser: false },
});

guards.dropOtherListeners();
