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
