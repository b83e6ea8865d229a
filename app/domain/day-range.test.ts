import { describe, expect, it } from "vitest";
import { daysOf, instantRange, parseRange, presetRange, resolveRange } from "./day-range.ts";

const iso = (d: Date) => d.toISOString().slice(0, 10);
const params = (entries: Record<string, string>) => new URLSearchParams(entries);
const now = new Date("2026-03-15T10:00:00Z");

describe("parseRange", () => {
  it("reads presets and custom ranges, and explains invalid ones", () => {
    const thirty = parseRange(new URLSearchParams(), now);
    expect(thirty.ok && [iso(thirty.range.from!), iso(thirty.range.to)]).toEqual(["2026-02-14", "2026-03-15"]);
    const custom = parseRange(params({ range: "custom", from: "2026-01-01", to: "2026-01-31" }), now);
    expect(custom.ok && custom.range.preset).toBe("custom");
    const backwards = parseRange(params({ range: "custom", from: "2026-02-01", to: "2026-01-31" }), now);
    expect(backwards.ok).toBe(false);
    expect(!backwards.ok && backwards.errors.to).toBe("The end date must be on or after the start date");
    const nonsense = parseRange(params({ range: "custom", from: "2026-02-30", to: "" }), now);
    expect(!nonsense.ok && nonsense.errors).toEqual({ from: "That date doesn't exist", to: "Choose an end date" });
    const all = parseRange(params({ range: "all" }), now);
    expect(all.ok && all.range.from).toBeNull();
  });

  it("takes from/to without `range` as a custom range, and one day as a range of one day", () => {
    const oneDay = parseRange(params({ from: "2026-01-31", to: "2026-01-31" }), now);
    expect(oneDay.ok && [oneDay.range.preset, iso(oneDay.range.from!), iso(oneDay.range.to)]).toEqual([
      "custom",
      "2026-01-31",
      "2026-01-31",
    ]);
  });

  it("falls back to the last 30 days with the field's message and the values as typed", () => {
    const long = parseRange(params({ range: "custom", from: "2020-01-01", to: "2026-01-01" }), now);
    expect(long).toMatchObject({
      ok: false,
      errors: { to: "Choose a range of at most three years" },
      values: { from: "2020-01-01", to: "2026-01-01" },
    });
    expect(iso(long.range.from!)).toBe("2026-02-14");
    const unknown = parseRange(params({ range: "5y" }), now);
    expect([unknown.ok, unknown.range.preset]).toEqual([false, "30d"]);
    const early = parseRange(params({ from: "1999-12-31", to: "2000-01-02" }), now);
    expect(!early.ok && early.errors.from).toBe("Choose a date from 2000 to 2100");
  });

  it("answers an unknown `range` in words, not with zod's list of allowed values", () => {
    for (const range of ["5y", "", "30D", "custom "]) {
      const unknown = parseRange(params({ range }), now);
      expect(unknown, range).toMatchObject({ ok: false, errors: { to: "Choose a range from the list" } });
      expect(!unknown.ok && unknown.errors.from, range).toBeUndefined();
      expect(unknown.range.preset, range).toBe("30d");
    }
  });
});

describe("ranges as days", () => {
  const today = new Date("2026-03-15T00:00:00Z");

  it("ends presets today; 12 months start the day after the same date a year ago", () => {
    expect(iso(presetRange("7d", today).from!)).toBe("2026-03-09");
    expect(iso(presetRange("12m", today).from!)).toBe("2025-03-16");
  });

  it("resolves a range with the previous period of the same length, and 'All time' from the first day", () => {
    expect(resolveRange(presetRange("7d", today), null)).toEqual({
      preset: "7d",
      from: "2026-03-09",
      to: "2026-03-15",
      days: 7,
      previous: { from: "2026-03-02", to: "2026-03-08" },
    });
    const all = resolveRange(presetRange("all", today), new Date("2026-03-01T00:00:00Z"));
    expect([all.from, all.days, all.previous]).toEqual(["2026-03-01", 15, null]);
    expect(instantRange(all)).toEqual({ from: null, to: new Date("2026-03-16T00:00:00Z") });
    expect(resolveRange(presetRange("all", today), null).from).toBe("2026-03-15");
  });

  it("lists every day of a range, across a month's end", () => {
    expect(daysOf({ from: "2026-02-27", to: "2026-03-02" })).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
      "2026-03-02",
    ]);
  });
});
