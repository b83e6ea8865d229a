// Sales figures per currency for a range of the revenue dashboards, from rows of the daily rollups (`daily_revenue`
// per creator, `platform_daily_revenue` for the whole marketplace) grouped by day and currency: the range's totals, the
// previous period's, and a daily series. Every amount is per currency: nothing here adds amounts of different currencies
// together.
import { Prisma } from "#app/utils/db.server.ts";
import { daysOf, type ResolvedRange } from "./day-range.ts";
import { ROLLUP_COLUMNS, type RevenueDelta } from "./revenue.server.ts";

export interface Totals {
  orders: number;
  gross: number;
  /** Platform fees net of fee refunds. */
  fees: number;
  stripeFees: number;
  refunds: number;
  refundCount: number;
  disputes: number;
  disputeCount: number;
  disputeLosses: number;
  /** The creator's revenue: gross − platform fees − refunds − dispute losses. */
  net: number;
  averageOrder: number;
}

export interface DayPoint {
  day: string;
  orders: number;
  gross: number;
  net: number;
  fees: number;
}

export interface CurrencyFigures {
  currency: string;
  current: Totals;
  previous: Totals | null;
  series: DayPoint[];
}

/** The rollup columns summed over some rows. */
type RollupSums = Required<RevenueDelta>;

/** A row of a rollup query: the sums of one day and currency (`SELECT "day"::text AS "day", "currency", ${SUM_COLUMNS}`). */
export type DayRow = RollupSums & { day: string; currency: string };

/** Every rollup column summed, each under its own name. */
export const SUM_COLUMNS = Prisma.raw(ROLLUP_COLUMNS.map((c) => `SUM("${c}")::int AS "${c}"`).join(", "));

const zero = (): RollupSums => Object.fromEntries(ROLLUP_COLUMNS.map((c) => [c, 0])) as RollupSums;

function add(into: RollupSums, row: RollupSums) {
  for (const key of ROLLUP_COLUMNS) into[key] += Number(row[key]);
}

function totalsOf(sums: RollupSums): Totals {
  const fees = sums.applicationFeeAmount - sums.applicationFeeRefunded;
  return {
    orders: sums.orderCount,
    gross: sums.grossAmount,
    fees,
    stripeFees: sums.stripeFeeAmount,
    refunds: sums.refundedAmount,
    refundCount: sums.refundCount,
    disputes: sums.disputedAmount,
    disputeCount: sums.disputeCount,
    disputeLosses: sums.disputeLostAmount,
    net: sums.grossAmount - fees - sums.refundedAmount - sums.disputeLostAmount,
    averageOrder: sums.orderCount > 0 ? Math.round(sums.grossAmount / sums.orderCount) : 0,
  };
}

/**
 * Per-currency totals for the range and the previous period, and the daily series, from rows of (day, currency) that
 * cover both periods. Currencies with nothing in the range are left out; the busiest comes first.
 */
export function figuresFrom(rows: DayRow[], range: ResolvedRange): CurrencyFigures[] {
  const byCurrency = new Map<string, { current: RollupSums; previous: RollupSums; days: Map<string, RollupSums> }>();
  for (const row of rows) {
    let entry = byCurrency.get(row.currency);
    if (!entry) byCurrency.set(row.currency, (entry = { current: zero(), previous: zero(), days: new Map() }));
    if (row.day >= range.from) {
      add(entry.current, row);
      const day = entry.days.get(row.day) ?? zero();
      add(day, row);
      entry.days.set(row.day, day);
    } else {
      add(entry.previous, row);
    }
  }
  const allDays = daysOf(range);
  return [...byCurrency.entries()]
    .filter(
      ([, e]) => e.current.orderCount || e.current.refundCount || e.current.disputeCount || e.current.disputeLostAmount,
    )
    .sort(([a, x], [b, y]) => y.current.grossAmount - x.current.grossAmount || a.localeCompare(b))
    .map(([currency, e]) => ({
      currency,
      current: totalsOf(e.current),
      previous: range.previous ? totalsOf(e.previous) : null,
      series: allDays.map((day) => {
        const t = totalsOf(e.days.get(day) ?? zero());
        return { day, orders: t.orders, gross: t.gross, net: t.net, fees: t.fees };
      }),
    }));
}
