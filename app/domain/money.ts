// Money is an integer amount in the currency's minor units plus a lowercase ISO 4217 code. Never a float.

/** Currencies Stripe treats as zero-decimal (the amount is in whole units). */
const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
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

/** The largest amount a form accepts, in minor units ($999,999.99; ¥99,999,999). */
export const MAX_AMOUNT = 99_999_999;

/**
 * Minor units as a plain decimal in the currency's precision, exact and without a symbol or grouping: 1999 usd →
 * "19.99", -1250 eur → "-12.50", 1500 jpy → "1500". What a form field shows and what `parseMoney` reads back.
 */
export function formatDecimal(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`Not an amount in minor units: ${amount}`);
  const digits = minorUnitDigits(currency);
  const sign = amount < 0 ? "-" : "";
  const abs = String(Math.abs(amount)).padStart(digits + 1, "0");
  if (digits === 0) return `${sign}${abs}`;
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

type Parsed = { ok: true; amount: number } | { ok: false; error: string };

/**
 * Parses an amount typed by a person into minor units exactly, without floating point. Strict on purpose: what it
 * accepts can only mean one amount; anything else is an error for the person to fix, never a different amount.
 *
 * - Only ASCII digits, "," and "." (spaces around are trimmed). Signs, spaces inside, currency signs, exponents (1e3),
 *   hex (0x10), "NaN", other scripts' digits are refused: "Enter an amount such as 19.99".
 * - It starts and ends with a digit: ".5", "5." and "12," are refused.
 * - With both "," and ".", the last of them is the decimal separator and the other one groups thousands: "1,250.00"
 *   and "1.250,00" are both 1250.00. The decimal separator appears once.
 * - With only ".", it is the decimal point, once. A dot never groups thousands on its own: "1.250" has three
 *   decimals (refused in every currency) and "1.250.000" is refused.
 * - With only ",": one comma followed by 1 or 2 digits is a decimal comma ("12,50" and "12,5" are 12.50); otherwise
 *   commas group thousands ("1,250" is 1250, "1,250,000" a million). In a zero-decimal currency a decimal comma is
 *   refused like a decimal point ("12,50" in JPY), never read as 1250.
 * - Thousands groups are consistent: a first group of 1–3 digits not starting with 0, then groups of exactly 3
 *   ("1,25,0", "1,25,000", "12,5000" and "0,500" are refused).
 * - At most the currency's decimal places (2, or 0 for JPY and the other zero-decimal currencies).
 * - Greater than zero and at most MAX_AMOUNT minor units.
 */
export function parseMoney(text: string, currency: string): Parsed {
  const digits = minorUnitDigits(currency);
  const fail = (error: string): Parsed => ({ ok: false, error });
  const grouped = digits === 0 ? "1,500" : "1,250.00";
  const cleaned = text.trim();
  if (cleaned.length > 40 || !/^\d(?:[\d,.]*\d)?$/.test(cleaned))
    return fail(`Enter an amount such as ${digits === 0 ? "1500" : "19.99"}`);

  const commas = cleaned.split(",").length - 1;
  const dots = cleaned.split(".").length - 1;
  const decimalSeparator =
    commas && dots
      ? cleaned.lastIndexOf(",") > cleaned.lastIndexOf(".")
        ? ","
        : "."
      : dots
        ? "."
        : commas === 1 && /,\d{1,2}$/.test(cleaned)
          ? ","
          : null;
  const groupSeparator = decimalSeparator === "," ? "." : ",";
  const parts = decimalSeparator ? cleaned.split(decimalSeparator) : [cleaned];
  if (parts.length > 2) return fail(`Use one decimal separator, as in ${grouped}`);
  let integer = parts[0]!;
  const fraction = parts[1] ?? "";
  if (integer.includes(groupSeparator)) {
    const groups = integer.split(groupSeparator);
    if (!/^[1-9]\d{0,2}$/.test(groups[0]!) || groups.slice(1).some((g) => !/^\d{3}$/.test(g)))
      return fail(`Group thousands in threes, as in ${grouped}`);
    integer = groups.join("");
  }

  if (fraction.length > digits)
    return fail(
      digits === 0 ? `${currency.toUpperCase()} has no decimal places` : `Use at most ${digits} decimal places`,
    );
  integer = integer.replace(/^0+(?=\d)/, "");
  if (integer.length > 15) return fail("That amount is too large");
  const amount = Number(integer) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (!Number.isSafeInteger(amount) || amount > MAX_AMOUNT) return fail("That amount is too large");
  if (amount <= 0) return fail("Enter an amount greater than zero");
  return { ok: true, amount };
}

/**
 * Reads an amount already in minor units, as a hidden form field carries it ("1250"): ASCII digits only, no sign,
 * no leading zeros, no decimals, exponents or hex ("0x10" is not 16). Null when the text is anything else or above
 * MAX_AMOUNT.
 */
export function parseMinorUnits(text: string): number | null {
  if (!/^(?:0|[1-9]\d{0,8})$/.test(text)) return null;
  const amount = Number(text);
  return amount <= MAX_AMOUNT ? amount : null;
}
