/**
 * Exact rational numbers over bigint, for the bounds of SQL number types: `numeric(12,2)` allows up
 * to 9,999,999,999.99 and `bigint` up to 9,223,372,036,854,775,807, neither of which a JS number
 * holds exactly. Only what the range check needs: build, compare, scale, round to a number of
 * decimals, print with thousands separators.
 */

/** n / d, d > 0 */
export type Exact = { n: bigint; d: bigint };

const abs = (x: bigint) => (x < 0n ? -x : x);
const pow10 = (k: number) => 10n ** BigInt(k);

export const exact = (n: bigint, d = 1n): Exact => (d < 0n ? { n: -n, d: -d } : { n, d });

/** 10^k - 10^-scale: the largest value of `numeric(k + scale, scale)` */
export const largestWithDigits = (integerDigits: number, scale: number): Exact =>
  scale >= 0
    ? exact(pow10(integerDigits + scale) - 1n, pow10(scale))
    : exact((pow10(integerDigits + scale) - 1n) * pow10(-scale));

export const compare = (a: Exact, b: Exact): number => {
  const diff = a.n * b.d - b.n * a.d;
  return diff === 0n ? 0 : diff < 0n ? -1 : 1;
};

export const min = (a: Exact, b: Exact) => (compare(a, b) <= 0 ? a : b);
export const max = (a: Exact, b: Exact) => (compare(a, b) >= 0 ? a : b);
export const negate = (a: Exact): Exact => exact(-a.n, a.d);
export const add = (a: Exact, b: Exact): Exact => exact(a.n * b.d + b.n * a.d, a.d * b.d);
export const times = (a: Exact, factor: bigint): Exact => exact(a.n * factor, a.d);
export const dividedBy = (a: Exact, divisor: bigint): Exact => exact(a.n, a.d * divisor);

/** Half a unit of the last of `scale` decimals: 0.005 for scale 2, 0.5 for scale 0. */
export const halfUnit = (scale: number): Exact =>
  scale >= 0 ? exact(1n, 2n * pow10(scale)) : exact(pow10(-scale), 2n);

const floorDiv = (n: bigint, d: bigint) => {
  const q = n / d;
  return q * d > n ? q - 1n : q;
};

/** The smallest multiple of 10^-scale that is >= a (up) or the largest that is <= a (down). */
export function toScale(a: Exact, scale: number, direction: 'up' | 'down'): Exact {
  const unit = scale >= 0 ? exact(1n, pow10(scale)) : exact(pow10(-scale));
  // a / unit, floored or ceiled, times unit
  const n = a.n * unit.d;
  const d = a.d * unit.n;
  const floored = floorDiv(n, d);
  const steps = direction === 'down' || floored * d === n ? floored : floored + 1n;
  return exact(steps * unit.n, unit.d);
}

/** Decimals needed to print `a` exactly, or undefined when it has no finite decimal form. */
function decimalsOf(a: Exact): number | undefined {
  for (let k = 0; k <= 40; k++) if ((a.n * pow10(k)) % a.d === 0n) return k;
  return undefined;
}

/** 21474836.48 -> "21,474,836.48"; at least `minDecimals` decimals (prices print as 10.00). */
export function formatExact(a: Exact, minDecimals = 0): string {
  const decimals = Math.max(minDecimals, decimalsOf(a) ?? 6);
  const scaled = (abs(a.n) * pow10(decimals)) / a.d;
  const digits = scaled.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = decimals ? `.${digits.slice(digits.length - decimals)}` : '';
  return `${a.n < 0n ? '-' : ''}${whole}${fraction}`;
}

/** The same value as an SQL numeric literal (no separators). */
export const sqlLiteral = (a: Exact): string => formatExact(a).replace(/,/g, '');
