// The product form, pure: the zod schema that turns what a creator typed into a product (amounts in exact minor units,
// Stripe's minimum per currency, a slug from the title when none is given) and the form values shown again for a
// stored product or a refused submission.
import { z } from "zod";
import type { BillingInterval, ProductKind } from "#app/generated/prisma/client.ts";
import { formatMoney, minorUnitDigits, parseMoney } from "./money.ts";

export const CURRENCIES = ["usd", "eur", "gbp", "jpy", "cad", "aud"] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Stripe's smallest chargeable amount per currency, in minor units. */
export const MINIMUM_AMOUNT: Record<Currency, number> = { usd: 50, eur: 50, gbp: 30, jpy: 50, cad: 50, aud: 50 };

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** "Film Presets — Vol. 2!" → "film-presets-vol-2". Accents are folded; anything else becomes a dash. */
export function slugify(text: string) {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/g, "");
}

export const PRODUCT_KINDS = ["DOWNLOAD", "MEMBERSHIP"] as const satisfies readonly ProductKind[];
export const INTERVALS = ["MONTH", "YEAR"] as const satisfies readonly BillingInterval[];
export const MAX_TRIAL_DAYS = 730;

/** The form field holding the price for each interval (`price` is a one-time download's). */
export const PRICE_FIELD = { MONTH: "monthlyPrice", YEAR: "yearlyPrice" } as const satisfies Record<
  BillingInterval,
  string
>;

const optionalText = z.string().trim().optional().default("");

/** Parses one typed amount, with Stripe's minimum for the currency; adds an issue on `field` instead when it's wrong. */
function checkedAmount(text: string, currency: Currency, fail: (message: string) => void): number | null {
  const parsed = parseMoney(text, currency);
  if (!parsed.ok) {
    fail(parsed.error);
    return null;
  }
  const minimum = MINIMUM_AMOUNT[currency];
  if (parsed.amount < minimum) {
    fail(`The lowest price Stripe accepts in ${currency.toUpperCase()} is ${formatMoney(minimum, currency)}`);
    return null;
  }
  return parsed.amount;
}

/**
 * The text fields of the product form. Amounts are the decimals the creator typed; they become minor units exactly.
 * A download has one `price`; a membership has `monthlyPrice` and/or `yearlyPrice` (same currency) and `trialDays`
 * (blank or 0 for none). `kind` defaults to a download.
 */
export const productFormSchema = z
  .object({
    kind: z
      .enum(PRODUCT_KINDS, { errorMap: () => ({ message: "Choose a one-time download or a membership" }) })
      .default("DOWNLOAD"),
    title: z
      .string({ required_error: "Enter a title" })
      .trim()
      .min(1, "Enter a title")
      .max(120, "Use at most 120 characters"),
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .max(80, "Use at most 80 characters")
      .refine(
        (s) => s === "" || SLUG_PATTERN.test(s),
        "Use lowercase letters a–z, digits and single dashes (like my-product)",
      )
      .optional()
      .default(""),
    description: z.string().max(5000, "Use at most 5,000 characters").optional().default(""),
    currency: z.enum(CURRENCIES, { errorMap: () => ({ message: "Choose a currency" }) }),
    price: optionalText,
    monthlyPrice: optionalText,
    yearlyPrice: optionalText,
    trialDays: optionalText,
  })
  .transform((input, ctx) => {
    let failed = false;
    const failOn = (field: string) => (message: string) => {
      failed = true;
      ctx.addIssue({ code: "custom", path: [field], message });
    };
    const prices: { interval: BillingInterval | null; amount: number }[] = [];
    let trialDays: number | null = null;
    if (input.kind === "DOWNLOAD") {
      const amount = input.price ? checkedAmount(input.price, input.currency, failOn("price")) : null;
      if (!input.price) failOn("price")("Enter a price");
      if (amount !== null) prices.push({ interval: null, amount });
    } else {
      if (!input.monthlyPrice && !input.yearlyPrice)
        failOn("monthlyPrice")("Enter a monthly price, a yearly price or both");
      for (const interval of INTERVALS) {
        const text = input[PRICE_FIELD[interval]];
        const amount = text ? checkedAmount(text, input.currency, failOn(PRICE_FIELD[interval])) : null;
        if (amount !== null) prices.push({ interval, amount });
      }
      if (input.trialDays) {
        const days = /^\d{1,4}$/.test(input.trialDays) ? Number(input.trialDays) : NaN;
        if (!(days <= MAX_TRIAL_DAYS)) failOn("trialDays")(`Enter a whole number of days from 0 to ${MAX_TRIAL_DAYS}`);
        else trialDays = days === 0 ? null : days;
      }
    }
    const slug = input.slug || slugify(input.title);
    if (!slug) failOn("slug")("Enter a slug with letters or digits");
    // Every problem in the prices, trial and slug is reported at once; nothing is returned while there is one.
    if (failed) return z.NEVER;
    return {
      kind: input.kind,
      title: input.title,
      slug,
      slugGenerated: !input.slug,
      description: input.description.replace(/\r\n/g, "\n").trim(),
      currency: input.currency,
      prices,
      trialDays,
    };
  });

export type ProductInput = z.output<typeof productFormSchema>;

/** The decimal text for a stored amount, as the form shows it ("12.00", "1500"). */
export function amountToInput(amount: number, currency: string) {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(amount);
  const whole = Math.floor(amount / 10 ** digits);
  const fraction = String(amount % 10 ** digits).padStart(digits, "0");
  return `${whole}.${fraction}`;
}

/** The form values to show again after a refusal that came after parsing (e.g. a slug conflict). */
export function submittedValues(data: ProductInput): Record<string, string> {
  return {
    kind: data.kind,
    title: data.title,
    slug: data.slugGenerated ? "" : data.slug,
    description: data.description,
    currency: data.currency,
    ...priceInputs(data.prices, data.currency),
    trialDays: data.trialDays ? String(data.trialDays) : "",
  };
}

/** The price fields of the form for a product's current prices. */
export function priceInputs(prices: { interval: BillingInterval | null; amount: number }[], currency: string) {
  const fields: Record<string, string> = {};
  for (const price of prices)
    fields[price.interval ? PRICE_FIELD[price.interval] : "price"] = amountToInput(price.amount, currency);
  return fields;
}
