import { describe, expect, it } from "vitest";
import { formatMoney, parseMoney } from "./money.ts";

describe("formatMoney", () => {
  it("uses each currency's own precision", () => {
    expect(formatMoney(1999, "usd")).toBe("$19.99");
    expect(formatMoney(1500, "jpy")).toBe("¥1,500");
    expect(formatMoney(1, "eur")).toBe("€0.01");
  });
});

describe("parseMoney", () => {
  it("parses decimals exactly into minor units", () => {
    expect(parseMoney("19.99", "usd")).toEqual({ ok: true, amount: 1999 });
    expect(parseMoney("0.29", "usd")).toEqual({ ok: true, amount: 29 }); // 0.29 * 100 is 28.999… as a float
    expect(parseMoney("1,500", "jpy")).toEqual({ ok: true, amount: 1500 });
    expect(parseMoney("5", "usd")).toEqual({ ok: true, amount: 500 });
  });
  it("rejects wrong precision, zero, negatives and junk", () => {
    expect(parseMoney("1.999", "usd").ok).toBe(false);
    expect(parseMoney("15.5", "jpy").ok).toBe(false);
    expect(parseMoney("0", "usd").ok).toBe(false);
    expect(parseMoney("-3", "usd").ok).toBe(false);
    expect(parseMoney("abc", "usd").ok).toBe(false);
    expect(parseMoney("1e3", "usd").ok).toBe(false);
  });
});
