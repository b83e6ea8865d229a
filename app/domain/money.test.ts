import { describe, expect, it } from "vitest";
import { formatDecimal, formatMoney, MAX_AMOUNT, parseMinorUnits, parseMoney } from "./money.ts";

describe("formatMoney", () => {
  it("uses each currency's own precision", () => {
    expect(formatMoney(1999, "usd")).toBe("$19.99");
    expect(formatMoney(1500, "jpy")).toBe("¥1,500");
    expect(formatMoney(1, "eur")).toBe("€0.01");
  });
});

describe("formatDecimal", () => {
  it.each([
    [1999, "usd", "19.99"],
    [5, "usd", "0.05"],
    [0, "eur", "0.00"],
    [-1250, "eur", "-12.50"],
    [-7, "usd", "-0.07"],
    [1500, "jpy", "1500"],
    [-500, "jpy", "-500"],
  ])("%i %s → %s", (amount, currency, text) => {
    expect(formatDecimal(amount, currency)).toBe(text);
  });
  it("reads back through parseMoney for every positive amount it writes", () => {
    for (const currency of ["usd", "eur", "jpy"])
      for (const amount of [1, 9, 10, 99, 100, 101, 1250, 99_999, MAX_AMOUNT])
        expect(parseMoney(formatDecimal(amount, currency), currency)).toEqual({ ok: true, amount });
  });
  it("refuses what is not an integer amount", () => {
    expect(() => formatDecimal(12.5, "usd")).toThrow(RangeError);
  });
});

const MALFORMED_2 = "Enter an amount such as 19.99";
const MALFORMED_0 = "Enter an amount such as 1500";
const GROUPS_2 = "Group thousands in threes, as in 1,250.00";
const GROUPS_0 = "Group thousands in threes, as in 1,500";
const ONE_DECIMAL_2 = "Use one decimal separator, as in 1,250.00";
const DECIMALS_2 = "Use at most 2 decimal places";
const NO_DECIMALS_JPY = "JPY has no decimal places";
const ZERO = "Enter an amount greater than zero";
const TOO_LARGE = "That amount is too large";

// What a person types → the amount in minor units, or the error they see. Every currency sold here has 2 decimals
// except JPY (0); usd and eur follow the same rules, so each table also checks the other's conventions.
const TABLE: Record<string, [string, number | string][]> = {
  usd: [
    ["12.50", 1250],
    ["12,50", 1250], // decimal comma
    ["12,5", 1250],
    ["12.5", 1250],
    ["12", 1200],
    ["0.29", 29], // 0.29 * 100 is 28.999… as a float
    ["0,05", 5],
    ["007.50", 750],
    ["  19.99  ", 1999], // spaces around are trimmed
    ["1,250", 125000], // one comma and three digits: thousands
    ["1,250.00", 125000],
    ["1.250,00", 125000], // European grouping
    ["1,250,000", TOO_LARGE], // $1,250,000.00 is above the limit
    ["12,345.6", 1234560],
    ["999,999.99", MAX_AMOUNT],
    ["1,000,000", TOO_LARGE],
    ["1000000", TOO_LARGE],
    ["9".repeat(30), TOO_LARGE],
    ["12.345", DECIMALS_2], // a dot never groups thousands on its own
    ["1.250", DECIMALS_2],
    ["1,250.000", DECIMALS_2],
    ["12.505", DECIMALS_2],
    ["1.250.000", ONE_DECIMAL_2],
    ["1.2.3", ONE_DECIMAL_2],
    ["1,250.00.5", ONE_DECIMAL_2],
    ["1,25,0", GROUPS_2],
    ["1,25,000", GROUPS_2], // Indian grouping is not read
    ["12,5000", GROUPS_2],
    ["1,2,50", GROUPS_2],
    ["1234,567", GROUPS_2],
    ["0,500", GROUPS_2],
    ["1.25,00", GROUPS_2],
    ["1,2.50", GROUPS_2],
    ["0x10", MALFORMED_2],
    ["1e3", MALFORMED_2],
    ["1E3", MALFORMED_2],
    ["-3", MALFORMED_2],
    ["+3", MALFORMED_2],
    ["-0.01", MALFORMED_2],
    ["12 50", MALFORMED_2],
    ["1 250,00", MALFORMED_2],
    ["1\u00a0250", MALFORMED_2],
    ["1'250.00", MALFORMED_2],
    ["$12.50", MALFORMED_2],
    ["12.50 USD", MALFORMED_2],
    ["NaN", MALFORMED_2],
    ["Infinity", MALFORMED_2],
    ["abc", MALFORMED_2],
    ["", MALFORMED_2],
    ["   ", MALFORMED_2],
    [".50", MALFORMED_2],
    ["12.", MALFORMED_2],
    ["12,", MALFORMED_2],
    [",5", MALFORMED_2],
    ["12..50", ONE_DECIMAL_2],
    ["١٢", MALFORMED_2], // Arabic-Indic digits
    ["１２", MALFORMED_2], // full-width digits
    ["0", ZERO],
    ["0.00", ZERO],
    ["0,0", ZERO],
  ],
  eur: [
    ["12,50", 1250],
    ["12.50", 1250],
    ["1.250,00", 125000],
    ["1.250.000,00", TOO_LARGE],
    ["1.250,5", 125050],
    ["1,250.00", 125000],
    ["1,250", 125000],
    ["0,01", 1],
    ["12,505", 1250500], // one comma and three digits groups thousands, in every currency (3 decimals never fit)
    ["12,345,67", GROUPS_2],
    ["1.250", DECIMALS_2],
    ["12,50 €", MALFORMED_2],
    ["€12", MALFORMED_2],
    ["1.250.000", ONE_DECIMAL_2],
    ["0,00", ZERO],
  ],
  jpy: [
    ["1500", 1500],
    ["1,500", 1500],
    ["50", 50],
    ["1,000,000", 1_000_000],
    ["99,999,999", MAX_AMOUNT],
    ["100,000,000", TOO_LARGE],
    ["0001500", 1500],
    ["12,50", NO_DECIMALS_JPY], // a decimal comma in a zero-decimal currency, never 1250
    ["12,5", NO_DECIMALS_JPY],
    ["15.5", NO_DECIMALS_JPY],
    ["1500.00", NO_DECIMALS_JPY],
    ["1.500", NO_DECIMALS_JPY],
    ["1,500.00", NO_DECIMALS_JPY],
    ["1.500,00", NO_DECIMALS_JPY],
    ["1,50,0", GROUPS_0],
    ["15,00,000", GROUPS_0],
    ["0x10", MALFORMED_0],
    ["1e3", MALFORMED_0],
    ["-500", MALFORMED_0],
    ["¥1500", MALFORMED_0],
    ["", MALFORMED_0],
    ["0", ZERO],
  ],
};

describe("parseMoney", () => {
  for (const [currency, rows] of Object.entries(TABLE)) {
    it.each(rows)(`${currency}: %j → %s`, (text, expected) => {
      expect(parseMoney(text, currency)).toEqual(
        typeof expected === "number" ? { ok: true, amount: expected } : { ok: false, error: expected },
      );
    });
  }

  it("is the same in upper case currency codes and in every other zero-decimal currency", () => {
    expect(parseMoney("12,50", "JPY")).toEqual({ ok: false, error: NO_DECIMALS_JPY });
    expect(parseMoney("12,50", "krw")).toEqual({ ok: false, error: "KRW has no decimal places" });
    expect(parseMoney("12,50", "gbp")).toEqual({ ok: true, amount: 1250 });
  });

  it("never returns anything but a positive safe integer up to MAX_AMOUNT", () => {
    const pieces = [
      "0",
      "1",
      "5",
      "9",
      "00",
      "12",
      "250",
      "1,",
      ",",
      ".",
      "1.",
      ",000",
      ".000",
      ",5",
      ".5",
      "e",
      "x",
      "-",
      " ",
    ];
    for (const a of pieces)
      for (const b of pieces)
        for (const c of pieces)
          for (const currency of ["usd", "jpy"]) {
            const result = parseMoney(a + b + c, currency);
            if (result.ok) {
              expect(Number.isSafeInteger(result.amount)).toBe(true);
              expect(result.amount).toBeGreaterThan(0);
              expect(result.amount).toBeLessThanOrEqual(MAX_AMOUNT);
            } else expect(result.error).toMatch(/^[A-Z]/);
          }
  });
});

describe("parseMinorUnits", () => {
  it.each([
    ["0", 0],
    ["16", 16],
    ["1250", 1250],
    [String(MAX_AMOUNT), MAX_AMOUNT],
    ["0x10", null],
    ["1e3", null],
    ["16.0", null],
    ["016", null],
    ["-5", null],
    ["+5", null],
    [" 16", null],
    ["", null],
    ["Infinity", null],
    [String(MAX_AMOUNT + 1), null],
    ["1".repeat(20), null],
  ])("%j → %s", (text, expected) => {
    expect(parseMinorUnits(text)).toBe(expected);
  });
});
