/** Durations on the command line: `500ms`, `30s`, `2m`, `1h`, `7d` (a bare number is seconds). */
import { ConfigError } from './errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match)
    throw new ConfigError(`${flag}: not a duration: "${text}" (examples: 500ms, 30s, 2m, 7d)`);
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  if (ms <= 0) throw new ConfigError(`${flag}: must be longer than zero, got "${text}"`);
  return Math.round(ms);
}
