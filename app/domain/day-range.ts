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
