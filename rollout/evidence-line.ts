/** The key numbers of gate evidence on one line, for rollout progress and `ficus status`. */
import type { GateEvidence } from './gates.ts';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);
const ms = (x: number | null) => (x === null ? '–' : `${Math.round(x)}`);

export function evidenceLine(e: GateEvidence): string {
  const parity = e.lastVerify ? (e.lastVerify.clean ? 'clean' : 'NOT clean') : 'never verified';
  return [
    `${e.comparisons} compared`,
    `match ${pct(e.matchRate)}`,
    `errors svc ${pct(e.errorRate.service)} / mono ${pct(e.errorRate.legacy)}`,
    `p99 svc ${ms(e.p99.service)} / mono ${ms(e.p99.legacy)} ms`,
    `lag ${e.syncLagMs === null ? 'unknown' : `${Math.round(e.syncLagMs)} ms`}`,
    `parity ${parity}`,
  ].join(', ');
}
