import { describe, expect, it } from "vitest";
import { yearlySavingPercent } from "#app/utils/format.ts";
import { describePrices, describeTrial } from "./own-products.server.ts";
import { amountToInput, productFormSchema, slugify, submittedValues } from "./product-form.ts";

describe("slugify", () => {
  it.each([
    ["Film Presets — Vol. 2!", "film-presets-vol-2"],
    ["  Crème Brûlée Recipes ", "creme-brulee-recipes"],
    ["___", ""],
    ["A".repeat(100), "a".repeat(80)],
  ])("%s → %s", (title, slug) => expect(slugify(title)).toBe(slug));
});

describe("productFormSchema", () => {
  const base = { title: "Notes", slug: "", description: "a\r\nb", price: "19.99", currency: "usd" };

  it("turns the typed price into exact minor units and fills the slug from the title", () => {
    expect(productFormSchema.parse(base)).toEqual({
      kind: "DOWNLOAD",
      title: "Notes",
      slug: "notes",
      slugGenerated: true,
      description: "a\nb",
      currency: "usd",
      prices: [{ interval: null, amount: 1999 }],
      trialDays: null,
    });
    expect(productFormSchema.parse({ ...base, slug: "My-Notes", price: "1.5" })).toMatchObject({
      slug: "my-notes",
      slugGenerated: false,
      prices: [{ interval: null, amount: 150 }],
    });
  });

  it("applies Stripe's minimum per currency at the edge", () => {
    expect(productFormSchema.safeParse({ ...base, price: "0.50" }).success).toBe(true);
    expect(productFormSchema.safeParse({ ...base, price: "0.49" }).success).toBe(false);
    expect(productFormSchema.safeParse({ ...base, price: "0.30", currency: "gbp" }).success).toBe(true);
    expect(productFormSchema.safeParse({ ...base, price: "50", currency: "jpy" }).success).toBe(true);
  });
});

describe("productFormSchema for memberships", () => {
  const base = {
    kind: "MEMBERSHIP",
    title: "Club",
    currency: "usd",
    monthlyPrice: "10",
    yearlyPrice: "100.00",
    trialDays: "7",
  };
  const errors = (input: Record<string, string>) => {
    const result = productFormSchema.safeParse(input);
    return result.success ? {} : Object.fromEntries(result.error.issues.map((i) => [i.path.join("."), i.message]));
  };

  it("reads monthly and yearly prices in minor units and the trial in days, ignoring a download's price", () => {
    expect(productFormSchema.parse({ ...base, price: "junk" })).toMatchObject({
      kind: "MEMBERSHIP",
      prices: [
        { interval: "MONTH", amount: 1000 },
        { interval: "YEAR", amount: 10000 },
      ],
      trialDays: 7,
    });
    expect(productFormSchema.parse({ ...base, monthlyPrice: "", trialDays: "" })).toMatchObject({
      prices: [{ interval: "YEAR", amount: 10000 }],
      trialDays: null,
    });
    expect(productFormSchema.parse({ ...base, yearlyPrice: "", trialDays: "0" })).toMatchObject({
      prices: [{ interval: "MONTH", amount: 1000 }],
      trialDays: null,
    });
    expect(productFormSchema.parse({ ...base, trialDays: "730" }).trialDays).toBe(730);
  });

  it("needs at least one price, checks each like a download's and the trial's bounds, all at once", () => {
    expect(errors({ ...base, monthlyPrice: "", yearlyPrice: "" })).toEqual({
      monthlyPrice: "Enter a monthly price, a yearly price or both",
    });
    expect(errors({ ...base, monthlyPrice: "0.49", yearlyPrice: "1.234", trialDays: "731" })).toEqual({
      monthlyPrice: "The lowest price Stripe accepts in USD is $0.50",
      yearlyPrice: "Use at most 2 decimal places",
      trialDays: "Enter a whole number of days from 0 to 730",
    });
    for (const trialDays of ["-1", "1.5", "seven", "99999"])
      expect(errors({ ...base, trialDays })).toEqual({ trialDays: "Enter a whole number of days from 0 to 730" });
    expect(errors({ ...base, kind: "RENTAL" })).toEqual({ kind: "Choose a one-time download or a membership" });
    expect(errors({ ...base, currency: "jpy", monthlyPrice: "49", yearlyPrice: "5000" })).toEqual({
      monthlyPrice: "The lowest price Stripe accepts in JPY is ¥50",
    });
  });

  it("writes a refused membership back into the form", () => {
    expect(submittedValues(productFormSchema.parse(base))).toEqual({
      kind: "MEMBERSHIP",
      title: "Club",
      slug: "",
      description: "",
      currency: "usd",
      monthlyPrice: "10.00",
      yearlyPrice: "100.00",
      trialDays: "7",
    });
  });
});

describe("membership wording", () => {
  it("describes prices and trials", () => {
    expect(
      describePrices([
        { interval: "MONTH", amount: 1000, currency: "usd" },
        { interval: "YEAR", amount: 10000, currency: "usd" },
      ]),
    ).toBe("$10.00 / month · $100.00 / year");
    expect(describePrices([{ interval: null, amount: 1200, currency: "usd" }])).toBe("$12.00");
    expect(describeTrial(7)).toBe("7-day free trial");
    expect(describeTrial(null)).toBeNull();
  });

  it("rounds the yearly saving to whole percent and shows none when yearly isn't cheaper", () => {
    expect(yearlySavingPercent(1000, 10000)).toBe(17);
    expect(yearlySavingPercent(1000, 12000)).toBeNull();
    expect(yearlySavingPercent(1000, 13000)).toBeNull();
    expect(yearlySavingPercent(999, 9990)).toBe(17);
    expect(yearlySavingPercent(1000, 11990)).toBeNull(); // 0.08% rounds to 0
    expect(yearlySavingPercent(1000, 6000)).toBe(50);
    expect(yearlySavingPercent(1000, 1000)).toBe(92);
    expect(yearlySavingPercent(1000, 10)).toBeNull(); // a year for less than a month: a typo, not a saving
  });
});

describe("amountToInput", () => {
  it("writes amounts back the way they are typed", () => {
    expect(amountToInput(1200, "usd")).toBe("12.00");
    expect(amountToInput(5, "eur")).toBe("0.05");
    expect(amountToInput(1500, "jpy")).toBe("1500");
  });
});
