import fs from 'node:fs';
import { createProgress } from '../lib/progress.ts';
import { stackDown } from '../stack/stack.ts';
import { startedByTestsMarker } from './stack-global-setup.ts';

/** Stops the stack only if this run's global setup started it. */
export default async function globalTeardown(): Promise<void> {
  const marker = startedByTestsMarker();
  const startedBy = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : undefined;
  if (startedBy !== String(process.pid)) return;
  fs.rmSync(marker);
  await stackDown(createProgress());
}
