// Platform fees. Rates are basis points (1 bp = 0.01%); amounts are integer minor units.
//
// Rounding rule (the only one): the fee is amount × bps / 10,000 rounded half up to a whole minor unit, computed in
// integers, then clamped to [0, amount]. The creator's share is amount − fee, so the two always add up exactly.

export const FEE_TIERS = {
  /** Lifetime net sales thresholds, in USD cents (other currencies count by their minor units the same way). */
  thresholds: { tier2: 100_000, tier3: 1_000_000 },
  newCreatorBps: 1500,
  tier2Bps: 1000,
  tier3Bps: 500,
  partnerBps: 250,
} as const;

export type FeeSource = "override" | "partner" | "tier" | "default";

export function applicationFee(amount: number, bps: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError(`amount must be a non-negative integer, got ${amount}`);
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new RangeError(`bps must be 0..10000, got ${bps}`);
  // In BigInt: amount × bps passes 2^53 (and a float loses units) for amounts above ~9×10^11.
  const fee = Number((BigInt(amount) * BigInt(bps) + 5_000n) / 10_000n);
  return Math.min(Math.max(fee, 0), amount);
}

export function percentToBps(percent: number): number {
  return Math.round(percent * 100);
}

/**
 * The fee rate for a creator: a staff-set override, else partner, else a tier from lifetime net sales (only when
 * tiers are enabled), else the platform default (PLATFORM_FEE_PERCENT).
 */
export function feeRateFor(creator: {
  feeOverrideBps: number | null;
  isPartner: boolean;
  lifetimeNetSales: number | null;
  defaultPercent: number;
  tiers?: typeof FEE_TIERS;
}): { bps: number; source: FeeSource } {
  const tiers = creator.tiers ?? FEE_TIERS;
  if (creator.feeOverrideBps !== null) return { bps: creator.feeOverrideBps, source: "override" };
  if (creator.isPartner) return { bps: tiers.partnerBps, source: "partner" };
  if (creator.lifetimeNetSales !== null) {
    const sales = creator.lifetimeNetSales;
    if (sales > tiers.thresholds.tier3) return { bps: tiers.tier3Bps, source: "tier" };
    if (sales > tiers.thresholds.tier2) return { bps: tiers.tier2Bps, source: "tier" };
    return { bps: tiers.newCreatorBps, source: "tier" };
  }
  return { bps: percentToBps(creator.defaultPercent), source: "default" };
}
