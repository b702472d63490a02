/**
 * One prerequisite of `ficus check` and how its result is shown. The JSON shape is a stable
 * interface: `{ ok, checks: [{ name, ok, detail, fix? }] }`.
 */
import { errorMessage } from '../../lib/errors.ts';
import { maskUrlsIn } from '../../lib/config/index.ts';

export type CheckResult = {
  /** what was checked, e.g. `legacy database reachable` */
  name: string;
  ok: boolean;
  /** what was found (never a password) */
  detail: string;
  /** on failure: what to do about it, naming the configuration key or the SQL to run */
  fix?: string;
};

export type CheckReport = { ok: boolean; checks: CheckResult[] };

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  ok: false,
  detail,
  fix,
});

/** An error's message as a check's detail: driver messages may quote a URL with its password. */
export const failureText = (error: unknown): string => maskUrlsIn(errorMessage(error));

export const checkReport = (checks: CheckResult[]): CheckReport => ({
  ok: checks.every((c) => c.ok),
  checks,
});

export function renderCheckReport(report: CheckReport): string {
  const lines = report.checks.flatMap((c) => [
    `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`,
    ...(c.ok || !c.fix ? [] : [`      fix: ${c.fix}`]),
  ]);
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push(
    '',
    report.ok
      ? `all ${report.checks.length} checks hold`
      : `${failed} of ${report.checks.length} checks fail`,
  );
  return lines.join('\n') + '\n';
}
