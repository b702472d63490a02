import fs from 'node:fs';
import { createProgress } from '../lib/progress.ts';
import { stackDown } from '../stack/stack.ts';
import { startedByTestsMarker } from './stack-global-setup.ts';

/** Stops the stack only if the global setup started it. */
export default async function globalTeardown(): Promise<void> {
  if (!fs.existsSync(startedByTestsMarker())) return;
  fs.rmSync(startedByTestsMarker());
  await stackDown(createProgress());
}
