// Membership figures for the dashboards, per currency: MRR now, members now (active, in trial, payment failed, set to
// cancel), and over a date range the trial conversion and the churn. One grouped query per dashboard over the
// `memberships` rows (scoped by creator through the (creatorId, status) index on the creator dashboard); nothing is
// added across currencies, and money stays in integer minor units (the only division happens once, on exact sums).
//
// The times used are the marketplace's own (`convertedAt`, `endedAt`, `createdAt`), written by memberships.server.ts
// when it syncs a subscription from Stripe, so the figures never depend on Stripe's test-clock time.
import { db, Prisma } from "#app/utils/db.server.ts";

export interface MembershipCurrencyFigures {
  currency: string;
  /** Monthly recurring revenue of ACTIVE and PAST_DUE members (yearly amounts ÷ 12); trials are not MRR. */
  mrr: number;
  /** The platform's share of MRR at each membership's application fee percent: an estimate, refunds and changes aside. */
  platformFeeMrr: number;
  /** ACTIVE + PAST_DUE. */
  activeMembers: number;
  trialing: number;
  /** PAST_DUE: members whose latest payment failed (included in activeMembers). */
  pastDue: number;
  /** Members (ACTIVE or PAST_DUE) set to cancel at the end of their period or at a set time. */
  cancelsSoon: number;
  /** Trials whose first paid invoice came in the range. */
  converted: number;
  /** Trials that ended in the range without a paid invoice. */
  trialsEndedUnconverted: number;
  /** converted ÷ (converted + trialsEndedUnconverted), in basis points; null when neither happened. */
  conversionRateBps: number | null;
  /** Paying members at the range's start (created before it, not ended by then, past any trial). */
  membersAtStart: number;
  /** Of membersAtStart, those that ended (canceled or unpaid) within the range. */
  churned: number;
  /** churned ÷ membersAtStart in basis points; null without members at the start. */
  churnRateBps: number | null;
}

export interface MembershipMetrics {
  /** Whether any membership row (of any status) exists in scope: false shows the empty state. */
  hasMemberships: boolean;
  currencies: MembershipCurrencyFigures[];
}

/** A range of instants: `from` inclusive (null: no lower bound, e.g. "All time"), `to` exclusive. */
export interface InstantRange {
  from: Date | null;
  to: Date;
}

/**
 * MRR from the sums of monthly and yearly amounts: the yearly sum is divided by 12 once, rounding half up, so
 * 3 × 1000 a year is exactly 250 a month (not 3 × 83). Exact for any sum (BigInt arithmetic).
 */
export function monthlyRecurring(monthlySum: bigint | number, yearlySum: bigint | number): number {
  const yearly = BigInt(yearlySum);
  if (yearly < 0n) throw new RangeError("yearly amounts are never negative");
  return Number(BigInt(monthlySum) + (yearly + 6n) / 12n);
}

/** part ÷ whole in basis points (rounded half up), or null when whole is 0. */
export function rateBps(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.floor((part * 20_000 + whole) / (2 * whole));
}

/** The figures that are plain counts: the query returns them as they are shown. */
type MemberCounts = Pick<
  MembershipCurrencyFigures,
  | "activeMembers"
  | "trialing"
  | "pastDue"
  | "cancelsSoon"
  | "converted"
  | "trialsEndedUnconverted"
  | "membersAtStart"
  | "churned"
>;

/** One currency's row of the grouped query: the counts, plus the exact sums MRR and the platform's share come from. */
type Row = MemberCounts & {
  currency: string;
  total: number;
  monthlySum: bigint;
  yearlySum: bigint;
  platformFeeMrr: bigint;
};

/** Membership figures of one creator (`creatorId`) or of the whole platform (`creatorId: null`). */
export async function membershipMetrics(input: {
  creatorId: string | null;
  range: InstantRange;
}): Promise<MembershipMetrics> {
  const { from, to } = input.range;
  const scope = input.creatorId === null ? Prisma.empty : Prisma.sql`WHERE "creatorId" = ${input.creatorId}`;
  const member = Prisma.sql`"status" IN ('ACTIVE', 'PAST_DUE')`;
  const convertedInRange = from
    ? Prisma.sql`"convertedAt" >= ${from} AND "convertedAt" < ${to}`
    : Prisma.sql`"convertedAt" < ${to}`;
  const trialLostInRange = Prisma.sql`"trialEndsAt" IS NOT NULL AND "convertedAt" IS NULL AND "endedAt" < ${to}
    ${from ? Prisma.sql`AND "endedAt" >= ${from}` : Prisma.empty}`;
  // Paying at the start: created before it, not ended by it, past any trial by then, and not a first payment that
  // never went through (INCOMPLETE / INCOMPLETE_EXPIRED never paid). "All time" has no start, so no one is at it.
  const atStart = from
    ? Prisma.sql`"createdAt" < ${from} AND ("endedAt" IS NULL OR "endedAt" >= ${from})
        AND ("trialEndsAt" IS NULL OR "convertedAt" < ${from}) AND "status" NOT IN ('INCOMPLETE', 'INCOMPLETE_EXPIRED')`
    : Prisma.sql`FALSE`;
  const rows = await db().$queryRaw<Row[]>`
    SELECT "currency",
      COUNT(*)::int AS "total",
      COALESCE(SUM("amount") FILTER (WHERE ${member} AND "interval" = 'MONTH'), 0)::bigint AS "monthlySum",
      COALESCE(SUM("amount") FILTER (WHERE ${member} AND "interval" = 'YEAR'), 0)::bigint AS "yearlySum",
      COALESCE(ROUND(SUM("amount" * COALESCE("applicationFeePercent", 0) * (CASE WHEN "interval" = 'YEAR' THEN 1 ELSE 12 END))
        FILTER (WHERE ${member}) / 1200), 0)::bigint AS "platformFeeMrr",
      COUNT(*) FILTER (WHERE ${member})::int AS "activeMembers",
      COUNT(*) FILTER (WHERE "status" = 'TRIALING')::int AS "trialing",
      COUNT(*) FILTER (WHERE "status" = 'PAST_DUE')::int AS "pastDue",
      COUNT(*) FILTER (WHERE ${member} AND ("cancelAtPeriodEnd" OR "cancelAt" IS NOT NULL))::int AS "cancelsSoon",
      COUNT(*) FILTER (WHERE ${convertedInRange})::int AS "converted",
      COUNT(*) FILTER (WHERE ${trialLostInRange})::int AS "trialsEndedUnconverted",
      COUNT(*) FILTER (WHERE ${atStart})::int AS "membersAtStart",
      COUNT(*) FILTER (WHERE ${atStart} AND "endedAt" < ${to})::int AS "churned"
    FROM "memberships" ${scope}
    GROUP BY "currency"`;
  const currencies = rows
    .map(({ total: _total, monthlySum, yearlySum, platformFeeMrr, ...counts }): MembershipCurrencyFigures => ({
      ...counts,
      mrr: monthlyRecurring(monthlySum, yearlySum),
      platformFeeMrr: Number(platformFeeMrr),
      conversionRateBps: rateBps(counts.converted, counts.converted + counts.trialsEndedUnconverted),
      churnRateBps: rateBps(counts.churned, counts.membersAtStart),
    }))
    // A currency whose memberships all ended before the range has nothing to show.
    .filter((f) => f.activeMembers || f.trialing || f.converted || f.trialsEndedUnconverted || f.membersAtStart)
    .sort((a, b) => b.mrr - a.mrr || b.activeMembers - a.activeMembers || a.currency.localeCompare(b.currency));
  return { hasMemberships: rows.some((row) => row.total > 0), currencies };
}
