/** What every step of the walkthrough shares, and how it runs a `ficus` command for the reader. */
import type { Plan } from '../plan/plan-types.ts';
import type { Narrator } from './narrator.ts';
import type { Pace } from './pace.ts';
import { runFicus } from './run-ficus.ts';
import type { Traffic } from './traffic.ts';

export type Context = {
  plan: Plan;
  pace: Pace;
  n: Narrator;
  traffic?: Traffic;
  proxyUrl: string;
  monolithUrl: string;
};

/** Runs a ficus command shown to the reader; a non-zero exit is a failed check unless expected. */
export async function ficus(ctx: Context, args: string[], expectCode = 0): Promise<string> {
  ctx.n.command(args);
  const { code, stdout } = await runFicus(args);
  if (code !== expectCode)
    ctx.n.check(`ficus ${args[0]} exits ${expectCode}`, false, `it exited ${code}`);
  return stdout;
}
