#!/usr/bin/env -S node --disable-warning=TimeoutNegativeWarning --disable-warning=ExperimentalWarning
// The `ficus` command. It runs one of two copies of ficus (docs/decisions/0007):
// - in the source checkout, the TypeScript itself (Node 22.18+/24 strips the types; no build step,
//   the project brings Node 24 as a dev dependency);
// - in an installed package, the JavaScript compiled into dist/ (`npm run build`, run by prepack).
// The rule: the sources run when `cli/main.ts` is beside bin/ and this file is not inside a
// node_modules folder (Node refuses to strip types there, e.g. a package installed from git);
// anything else runs dist/. A checkout that has been built still runs its sources.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = path.join(packageRoot, 'cli', 'main.ts');
const compiled = path.join(packageRoot, 'dist', 'cli', 'main.js');
const insideNodeModules = packageRoot.split(path.sep).includes('node_modules');
const runSources = !insideNodeModules && fs.existsSync(sources);

const [major, minor] = process.versions.node.split('.').map(Number);
const [needMajor, needMinor] = runSources ? [22, 18] : [22, 0];
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  console.error(
    `ficus needs Node ${needMajor}.${needMinor} or newer (this is ${process.version}). ` +
      (runSources
        ? 'Run it through npm (`npm run ficus -- ...` or `npx ficus ...`) to use the Node 24 the project installs.'
        : 'Install a newer Node (https://nodejs.org).'),
  );
  process.exit(1);
}
if (!runSources && !fs.existsSync(compiled)) {
  console.error(
    `ficus: ${compiled} is missing: this copy of ficus was not built ` +
      '(run `npm run build` in it, or install the package that `npm pack` makes).',
  );
  process.exit(1);
}
// kafkajs schedules some timers with negative delays (harmless: Node clamps them to 1 ms) and
// Node 24 warns about each; keep every other warning.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    console.error(`(node) ${warning.name}: ${warning.message}`);
});
await import(pathToFileURL(runSources ? sources : compiled).href);
