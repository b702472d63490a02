/**
 * The catalog keeps prices as integer cents (plan: `price: { target: price_cents, type: cents }`),
 * the contract as a JSON number with two decimals. Conversions round like the sync does
 * (`round(price * 100)`), so both paths give the same cents for the same price.
 */

/** 12.5 -> 1250. The input is already validated (non-negative, at most two decimals). */
export const centsFromPrice = (price: number): number => Math.round(price * 100);

/** 1250 -> 12.5 (the contract's money: a number with at most two decimals). */
export const priceFromCents = (cents: number): number => cents / 100;
