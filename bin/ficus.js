#!/usr/bin/env -S node --disable-warning=TimeoutNegativeWarning --disable-warning=ExperimentalWarning
// The `ficus` command. ficus is written in TypeScript that Node 22.18+/24 runs as it is (type
// stripping), so there is no build step; the project brings Node 24 as a dev dependency.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `ficus needs Node 22.18 or newer (this is ${process.version}). ` +
      'Run it through npm (`npm run ficus -- ...` or `npx ficus ...`) to use the Node 24 the project installs.',
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
await import('../cli/main.ts');
