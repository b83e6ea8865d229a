import { describe, expect, it } from "vitest";
import { applicationFee, FEE_TIERS, feeRateFor } from "./fees.ts";

describe("applicationFee", () => {
  it("rounds half up in integer minor units", () => {
    expect(applicationFee(1000, 1000)).toBe(100);
    expect(applicationFee(1005, 1000)).toBe(101); // 100.5 → 101
    expect(applicationFee(1004, 1000)).toBe(100); // 100.4 → 100
    expect(applicationFee(1999, 250)).toBe(50); // 49.975 → 50
  });
  it("handles 1-cent prices and zero-decimal currencies", () => {
    expect(applicationFee(1, 1000)).toBe(0); // 0.1 → 0
    expect(applicationFee(1, 5000)).toBe(1); // 0.5 → 1
    expect(applicationFee(500, 1500)).toBe(75); // ¥500 at 15% → ¥75
    expect(applicationFee(333, 1000)).toBe(33); // ¥33.3 → ¥33
  });
  it("never exceeds the amount and is never negative", () => {
    expect(applicationFee(7, 10_000)).toBe(7);
    expect(applicationFee(0, 1000)).toBe(0);
    for (let amount = 0; amount < 2000; amount += 7)
      for (const bps of [0, 1, 250, 999, 1500, 9999, 10_000]) {
        const fee = applicationFee(amount, bps);
        expect(fee).toBeGreaterThanOrEqual(0);
        expect(fee).toBeLessThanOrEqual(amount);
      }
  });
  it("rejects fractional amounts and impossible rates", () => {
    expect(() => applicationFee(10.5, 1000)).toThrow(RangeError);
    expect(() => applicationFee(-1, 1000)).toThrow(RangeError);
    expect(() => applicationFee(100, 10_001)).toThrow(RangeError);
  });
});

describe("feeRateFor", () => {
  const base = { feeOverrideBps: null, isPartner: false, lifetimeNetSales: 0, defaultPercent: 10 };
  it("prefers the staff override, then partner, then tier", () => {
    expect(feeRateFor({ ...base, feeOverrideBps: 300, isPartner: true })).toEqual({ bps: 300, source: "override" });
    expect(feeRateFor({ ...base, isPartner: true })).toEqual({ bps: 250, source: "partner" });
    expect(feeRateFor(base)).toEqual({ bps: 1500, source: "tier" });
  });
  it("moves through tiers strictly above each threshold", () => {
    expect(feeRateFor({ ...base, lifetimeNetSales: FEE_TIERS.thresholds.tier2 }).bps).toBe(1500);
    expect(feeRateFor({ ...base, lifetimeNetSales: FEE_TIERS.thresholds.tier2 + 1 }).bps).toBe(1000);
    expect(feeRateFor({ ...base, lifetimeNetSales: FEE_TIERS.thresholds.tier3 + 1 }).bps).toBe(500);
  });
  it("falls back to PLATFORM_FEE_PERCENT when tiers do not apply", () => {
    expect(feeRateFor({ ...base, lifetimeNetSales: null, defaultPercent: 12.5 })).toEqual({ bps: 1250, source: "default" });
  });
});
