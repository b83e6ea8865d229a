import { z } from "zod";

/** Blank form and query values count as absent. */
export const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** A "YYYY-MM-DD" filter value that must be a real calendar day; blank means absent. */
export const isoDay = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-01-31")
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), "That is not a real date")
    .optional(),
);

// Whole-UTC-day ranges from "YYYY-MM-DD" filter values (inclusive of the last day), shared by staff searches.
export function dayRangeFilter(from: string | undefined | null, to: string | undefined | null) {
  if (!from && !to) return null;
  return {
    ...(from ? { gte: dayStart(from) } : {}),
    ...(to ? { lt: nextDayStart(to) } : {}),
  };
}

function dayStart(day: string) {
  return new Date(`${day}T00:00:00.000Z`);
}

function nextDayStart(day: string) {
  const date = dayStart(day);
  date.setUTCDate(date.getUTCDate() + 1);
  return date;
}
