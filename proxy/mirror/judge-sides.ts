/**
 * What the parallel run concludes from the answers it collected for one read: the differences
 * the monolith has with itself (calibration, values dropped: only their paths are learned), and
 * the comparison of the monolith with the service under the route's rules and noise, its
 * differences redacted so that customer data never leaves this function. Pure, and free of the
 * HTTP layer: it runs in the mirror worker (mirror-worker.ts), off the event loop serving clients.
 */
import {
  compareAnswers,
  type Answer,
  type ComparisonResult,
  type CompiledRules,
  type Difference,
} from '../compare/compare-responses.ts';
import { generalisePath } from '../compare/json-path.ts';
import { redactDifferences, type Redaction } from '../compare/redact.ts';

/** One side of a comparison: its answer, or why there is none (a metric-safe reason). */
export type Side = { answer?: Answer & { latencyMs: number }; error?: string };

export type RouteRules = { compare: CompiledRules; redact: Redaction };

export type Judgement = {
  /** what differed between the monolith and itself, as paths only */
  calibration: Pick<Difference, 'path' | 'kind'>[];
  /** undefined when one side has no answer to compare */
  result?: ComparisonResult;
};

/** Compares the sides; calibration differences count as noise for this very comparison too. */
export function judgeSides(
  legacy: Side,
  service: Side,
  calibration: Side | undefined,
  rules: RouteRules,
  noise: ReadonlySet<string>,
): Judgement {
  const learned =
    calibration?.answer && legacy.answer
      ? compareAnswers(legacy.answer, calibration.answer, rules.compare).differences.map(
          ({ path, kind }) => ({ path, kind }),
        )
      : [];
  const noiseNow = learned.length
    ? new Set([...noise, ...learned.map((d) => generalisePath(d.path))])
    : noise;
  return { calibration: learned, result: compareSides(legacy, service, rules, noiseNow) };
}

/**
 * The comparison alone (as a recheck asks it), differences redacted. The answers are compared as
 * they are and only the differences are redacted: a service that hands out a wrong token, or
 * none, is a defect the parallel run must count, even though no one may read the token itself.
 * (Credentials that differ on every answer, such as freshly minted tokens, are learned as noise
 * by calibration or named in `ignore`, like any other value that always differs.)
 */
export function compareSides(
  legacy: Side,
  service: Side,
  rules: RouteRules,
  noise: ReadonlySet<string>,
): ComparisonResult | undefined {
  if (!legacy.answer || !service.answer) return undefined;
  const result = compareAnswers(legacy.answer, service.answer, rules.compare, noise);
  if (!result.differences.length) return result; // nothing to redact (a match, the most common)
  return {
    outcome: result.outcome,
    differences: redactDifferences(result.differences, rules.redact),
  };
}

/** A body that crossed a thread boundary is a plain Uint8Array; the comparison wants a Buffer. */
export function withBuffer(side: Side): Side {
  const body = side.answer?.body as Uint8Array | undefined;
  if (!body || Buffer.isBuffer(body)) return side;
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { ...side, answer: { ...side.answer!, body: buffer } };
}
