// Money is an integer amount in the currency's minor units plus a lowercase ISO 4217 code. Never a float.

/** Currencies Stripe treats as zero-decimal (the amount is in whole units). */
const ZERO_DECIMAL = new Set([
  "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
]);

export function minorUnitDigits(currency: string): number {
  return ZERO_DECIMAL.has(currency.toLowerCase()) ? 0 : 2;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats minor units with the currency's own formatting, e.g. 1999 usd → "$19.99", 1500 jpy → "¥1,500". */
export function formatMoney(amount: number, currency: string, locale = "en-US"): string {
  const digits = minorUnitDigits(currency);
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: currency.toUpperCase(),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, formatter);
  }
  return formatter.format(amount / 10 ** digits);
}

/**
 * Parses a decimal string typed by a person ("19.99", "1,500") into minor units exactly, without floating point.
 * Returns an error message instead when the text is not a valid positive amount in that currency's precision.
 */
export function parseMoney(text: string, currency: string): { ok: true; amount: number } | { ok: false; error: string } {
  const digits = minorUnitDigits(currency);
  const cleaned = text.trim().replace(/,/g, "");
  const match = /^(\d+)(?:\.(\d+))?$/.exec(cleaned);
  if (!match) return { ok: false, error: "Enter an amount such as 19.99" };
  const [, whole, fraction = ""] = match;
  if (fraction.length > digits)
    return {
      ok: false,
      error: digits === 0 ? `${currency.toUpperCase()} has no decimal places` : `Use at most ${digits} decimal places`,
    };
  const amount = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (!Number.isSafeInteger(amount) || amount > 99_999_999) return { ok: false, error: "That amount is too large" };
  if (amount <= 0) return { ok: false, error: "Enter an amount greater than zero" };
  return { ok: true, amount };
}
