// Display formatting shared by the server and the browser (no server imports): file sizes, UTC dates, percentages
// and the yearly saving of a membership. Money is formatted by formatMoney in app/domain/money.ts.

const KB = 1024;
const MB = 1024 * 1024;

/** "512 B", "1.5 KB", "100 MB": one decimal at most, none when it is zero. */
export function formatBytes(bytes: number) {
  if (bytes < KB) return `${bytes} B`;
  if (bytes < MB) return `${Number((bytes / KB).toFixed(1))} KB`;
  return `${Number((bytes / MB).toFixed(1))} MB`;
}

/** A "YYYY-MM-DD" day (or an ISO instant, by its UTC day) in US English, "Jan 31, 2026" unless told otherwise. */
export function formatDay(
  day: string,
  options: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", year: "numeric" },
) {
  return new Date(`${day.slice(0, 10)}T00:00:00Z`).toLocaleDateString("en-US", { timeZone: "UTC", ...options });
}

/**
 * An instant's UTC date: "Jan 31, 2026" (medium, the default), "January 31, 2026" (long) or "1/31/2026" (numeric);
 * "—" when there is none.
 */
export function formatDate(iso: string | Date | null | undefined, style: "medium" | "long" | "numeric" = "medium") {
  if (!iso) return "—";
  const date = typeof iso === "string" ? new Date(iso) : iso;
  return date.toLocaleDateString(
    "en-US",
    style === "numeric" ? { timeZone: "UTC" } : { dateStyle: style, timeZone: "UTC" },
  );
}

/**
 * An instant's UTC date and time, "Jan 31, 2026, 2:05 PM UTC" (or "January 31, 2026 at 2:05 PM UTC" with the long
 * date; seconds when asked); "—" when there is none.
 */
export function formatDateTime(
  iso: string | Date | null | undefined,
  options: { seconds?: boolean; dateStyle?: "medium" | "long" } = {},
) {
  if (!iso) return "—";
  const date = typeof iso === "string" ? new Date(iso) : iso;
  const time = date.toLocaleString("en-US", {
    dateStyle: options.dateStyle ?? "medium",
    timeStyle: options.seconds ? "medium" : "short",
    timeZone: "UTC",
  });
  return `${time} UTC`;
}

/**
 * A rate in basis points as a percent: "12.5%" (fixed decimals, one unless told), or with `trim` at most that many
 * ("10%", "12.5%"); "—" when there is nothing to divide by.
 */
export function formatBps(bps: number | null, decimals = 1, options: { trim?: boolean } = {}) {
  if (bps === null) return "—";
  const percent = bps / 100;
  return `${options.trim ? percent.toLocaleString("en-US", { maximumFractionDigits: decimals }) : percent.toFixed(decimals)}%`;
}

/** The change from the previous period in percent with one decimal; null when there is no previous figure to compare. */
export function percentChange(current: number, previous: number | null | undefined) {
  if (previous === undefined || previous === null || previous === 0) return null;
  return Math.round(((current - previous) / Math.abs(previous)) * 1000) / 10;
}

/**
 * How much cheaper a year is on the yearly price than on twelve monthly ones, in whole percent; null if it isn't, or
 * if a year costs less than a month (more likely a typo than a deal).
 */
export function yearlySavingPercent(monthlyAmount: number, yearlyAmount: number): number | null {
  if (yearlyAmount < monthlyAmount) return null;
  const saving = Math.round(((12 * monthlyAmount - yearlyAmount) * 100) / (12 * monthlyAmount));
  return saving > 0 ? saving : null;
}
