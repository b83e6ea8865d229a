import { describe, expect, it } from "vitest";
import { amountToInput, productFormSchema, slugify } from "./products.server.ts";

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
      title: "Notes",
      slug: "notes",
      slugGenerated: true,
      description: "a\nb",
      amount: 1999,
      currency: "usd",
    });
    expect(productFormSchema.parse({ ...base, slug: "My-Notes", price: "1.5" })).toMatchObject({ slug: "my-notes", slugGenerated: false, amount: 150 });
  });

  it("applies Stripe's minimum per currency at the edge", () => {
    expect(productFormSchema.safeParse({ ...base, price: "0.50" }).success).toBe(true);
    expect(productFormSchema.safeParse({ ...base, price: "0.49" }).success).toBe(false);
    expect(productFormSchema.safeParse({ ...base, price: "0.30", currency: "gbp" }).success).toBe(true);
    expect(productFormSchema.safeParse({ ...base, price: "50", currency: "jpy" }).success).toBe(true);
  });
});

describe("amountToInput", () => {
  it("writes amounts back the way they are typed", () => {
    expect(amountToInput(1200, "usd")).toBe("12.00");
    expect(amountToInput(5, "eur")).toBe("0.05");
    expect(amountToInput(1500, "jpy")).toBe("1500");
  });
});
