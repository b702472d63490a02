/**
 * Entry point of the embedded Unleash server (the `unleash-server` package from npm), on its own
 * database on the services cluster. Run by `ficus stack up` as a child process; its settings
 * come in through the environment (UNLEASH_DATABASE_URL, HTTP_PORT, INIT_*_API_TOKENS).
 */
import { start } from 'unleash-server';

const databaseUrl = process.env.UNLEASH_DATABASE_URL;
const port = Number(process.env.HTTP_PORT);
if (!databaseUrl || !Number.isInteger(port)) {
  console.error(
    'unleash-server: UNLEASH_DATABASE_URL and HTTP_PORT must be set (ficus stack up sets them)',
  );
  process.exit(2);
}

// Unleash runs some bookkeeping in event handlers nobody awaits. One of them (feature lifecycle)
// can fail when a flag is archived and deleted in quick succession (a foreign-key race inside
// Unleash), and on Node 24 an unhandled rejection ends the process: the whole flag service would
// go down over a lost lifecycle row. Log it and keep serving.
process.on('unhandledRejection', (reason) => {
  console.error('unleash-server: a background task failed (kept running):', reason);
});

// An end nobody asked for must say how it came (once, in CI, Unleash was gone without a word in
// its log): a signal, or an exit code.
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
});
