import { z } from "zod";

/** Blank form and query values count as absent. */
export const emptyToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/**
 * Dates people may filter by. Nothing in the marketplace happened before 2000 or will by 2100, and the bounds keep
 * every day arithmetic (a range's previous period, the day after the last) inside what dates and SQL can hold.
 */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;
const OUT_OF_RANGE = `Choose a date from ${FIRST_YEAR} to ${LAST_YEAR}`;

/** A "YYYY-MM-DD" that is a real calendar day (no 2026-02-30) in the years FIRST_YEAR to LAST_YEAR. */
export const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-01-31")
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, "That date doesn't exist")
  .refine((value) => {
    const year = Number(value.slice(0, 4));
    return year >= FIRST_YEAR && year <= LAST_YEAR;
  }, OUT_OF_RANGE);

/** A "YYYY-MM-DD" filter value that must be a real calendar day in range; blank means absent. */
export const isoDay = z.preprocess(emptyToUndefined, calendarDay.optional());

/** A filter's from/to in order (either may be blank): `.refine(daysInOrder, DAYS_OUT_OF_ORDER)` on its schema. */
export const daysInOrder = (f: { from?: string; to?: string }) => !f.from || !f.to || f.from <= f.to;
export const DAYS_OUT_OF_ORDER = {
  path: ["to"],
  message: "The end date is before the start date. Pick an end date on or after the start date.",
};

export const DAY_MS = 86_400_000;

/** A UTC day's "YYYY-MM-DD". */
export const dayString = (day: Date) => day.toISOString().slice(0, 10);
export const addDays = (day: Date, days: number) => new Date(day.getTime() + days * DAY_MS);

/** The instant a "YYYY-MM-DD" UTC day starts. */
export function dayStart(day: string) {
  return new Date(`${day}T00:00:00.000Z`);
}

/** The instant after a "YYYY-MM-DD" UTC day ends: the exclusive end of a range that includes the day. */
export function nextDayStart(day: string) {
  return addDays(dayStart(day), 1);
}

/** An inclusive range of UTC days as instants: from the first day's start to the start of the day after the last. */
export function dayBounds(range: { from: string; to: string }) {
  return { from: dayStart(range.from), to: nextDayStart(range.to) };
}

// Whole-UTC-day ranges from "YYYY-MM-DD" filter values (inclusive of the last day), shared by staff searches.
export function dayRangeFilter(from: string | undefined | null, to: string | undefined | null) {
  if (!from && !to) return null;
  return {
    ...(from ? { gte: dayStart(from) } : {}),
    ...(to ? { lt: nextDayStart(to) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Date ranges of the revenue dashboards: `?range=30d` or `?from=…&to=…`, and the days a range covers.

export const PRESETS = {
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
  "12m": "Last 12 months",
  all: "All time",
} as const;
export type Preset = keyof typeof PRESETS;
export const DEFAULT_PRESET: Preset = "30d";

/** An inclusive range of UTC days; `from: null` means "from the first day with data". */
export interface RangeInput {
  preset: Preset | "custom";
  from: Date | null;
  to: Date;
}

/** For a `?range=` that is none of the presets (an old bookmark, a typed URL): people see words, not zod's enum list. */
const UNKNOWN_RANGE = "Choose a range from the list";

// Custom ranges: real days within the years people may filter by (`isoDay`; blank is absent), at most three years long.
const rangeQuery = z
  .object({
    range: z
      .enum(["7d", "30d", "90d", "12m", "all", "custom"], { errorMap: () => ({ message: UNKNOWN_RANGE }) })
      .optional(),
    from: isoDay,
    to: isoDay,
  })
  .superRefine((value, ctx) => {
    const custom = value.range === "custom" || (!value.range && (value.from || value.to));
    if (!custom) return;
    if (!value.from) ctx.addIssue({ code: "custom", path: ["from"], message: "Choose a start date" });
    if (!value.to) ctx.addIssue({ code: "custom", path: ["to"], message: "Choose an end date" });
    if (!daysInOrder(value))
      ctx.addIssue({ code: "custom", path: ["to"], message: "The end date must be on or after the start date" });
    if (value.from && value.to && Date.parse(value.to) - Date.parse(value.from) > 3 * 366 * DAY_MS)
      ctx.addIssue({ code: "custom", path: ["to"], message: "Choose a range of at most three years" });
  });

export type RangeParse =
  | { ok: true; range: RangeInput }
  | { ok: false; range: RangeInput; errors: { from?: string; to?: string }; values: { from: string; to: string } };

/** Reads `?range=30d` or `?from=2026-01-01&to=2026-01-31` (UTC days, inclusive). Invalid input falls back to 30 days. */
export function parseRange(params: URLSearchParams, now = new Date()): RangeParse {
  const today = dayStart(dayString(now));
  const raw = Object.fromEntries(
    ["range", "from", "to"].flatMap((k) => (params.has(k) ? [[k, params.get(k) ?? ""]] : [])),
  );
  const parsed = rangeQuery.safeParse(raw);
  const fallback = presetRange(DEFAULT_PRESET, today);
  if (!parsed.success) {
    const errors: { from?: string; to?: string } = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] === "from" ? "from" : "to";
      errors[field] ??= issue.message;
    }
    return { ok: false, range: fallback, errors, values: { from: raw.from ?? "", to: raw.to ?? "" } };
  }
  const { range, from, to } = parsed.data;
  if (range === "custom" || (!range && (from || to)))
    return {
      ok: true,
      range: { preset: "custom", from: dayStart(from!), to: dayStart(to!) },
    };
  return { ok: true, range: presetRange((range as Preset | undefined) ?? DEFAULT_PRESET, today) };
}

export function presetRange(preset: Preset, today: Date): RangeInput {
  const back = (days: number) => new Date(today.getTime() - (days - 1) * DAY_MS);
  switch (preset) {
    case "7d":
      return { preset, from: back(7), to: today };
    case "30d":
      return { preset, from: back(30), to: today };
    case "90d":
      return { preset, from: back(90), to: today };
    case "12m":
      return {
        preset,
        from: new Date(Date.UTC(today.getUTCFullYear() - 1, today.getUTCMonth(), today.getUTCDate() + 1)),
        to: today,
      };
    case "all":
      return { preset, from: null, to: today };
  }
}

export interface ResolvedRange {
  preset: Preset | "custom";
  from: string; // YYYY-MM-DD, inclusive
  to: string; // YYYY-MM-DD, inclusive
  days: number;
  previous: { from: string; to: string } | null;
}

/** A range as days, with the previous period of the same length; "All time" starts on `firstDay` (the first day with
 * data, or the range's last day when there is none). */
export function resolveRange(range: RangeInput, firstDay: Date | null): ResolvedRange {
  const from = range.from ?? (firstDay && firstDay <= range.to ? firstDay : range.to);
  const days = Math.round((range.to.getTime() - from.getTime()) / DAY_MS) + 1;
  const previous =
    range.preset === "all" ? null : { from: dayString(addDays(from, -days)), to: dayString(addDays(from, -1)) };
  return { preset: range.preset, from: dayString(from), to: dayString(range.to), days, previous };
}

/** The resolved range as instants for the membership figures; "All time" has no lower bound. */
export function instantRange(range: ResolvedRange) {
  const { from, to } = dayBounds(range);
  return { from: range.preset === "all" ? null : from, to };
}

/** Every day of the range, for charts with no gaps. */
export function daysOf(range: { from: string; to: string }) {
  const out: string[] = [];
  for (let d = dayStart(range.from); dayString(d) <= range.to; d = addDays(d, 1)) out.push(dayString(d));
  return out;
}
