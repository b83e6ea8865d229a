// A creator's revenue: their dashboard for a range (figures per currency from their rows of the `daily_revenue` rollup,
// never a scan of all their orders; top products, recent orders and refunds through their indexes; membership figures
// from membership-metrics.server.ts), the CSV export of their sales, and the Stripe balance and payouts of their
// connected account.
import { listConnectedPayouts, retrieveConnectedBalance } from "#app/stripe/connect.server.ts";
import { db } from "#app/utils/db.server.ts";
import { dayBounds, instantRange, resolveRange, type RangeInput, type ResolvedRange } from "./day-range.ts";
import { membershipMetrics, type MembershipMetrics } from "./membership-metrics.server.ts";
import { figuresFrom, SUM_COLUMNS, type CurrencyFigures, type DayRow } from "./sales-figures.server.ts";

export interface CreatorDashboard {
  range: ResolvedRange;
  currencies: CurrencyFigures[];
  topProducts: { productId: string; title: string; currency: string; orders: number; gross: number }[];
  recentOrders: {
    id: string;
    number: number;
    paidAt: string;
    buyerEmail: string;
    productTitle: string;
    currency: string;
    totalAmount: number;
    applicationFeeAmount: number;
    refundedAmount: number;
    status: string;
  }[];
  refunds: {
    id: string;
    orderNumber: number;
    createdAt: string;
    amount: number;
    currency: string;
    status: string;
    reason: string;
  }[];
  memberships: MembershipMetrics & { hasMembershipProduct: boolean };
}

export async function creatorDashboard(input: { creatorId: string; range: RangeInput }): Promise<CreatorDashboard> {
  const { creatorId } = input;
  let firstDay: Date | null = null;
  if (input.range.from === null) {
    const [first] = await db().$queryRaw<{ day: Date | null }[]>`
      SELECT MIN("day") AS "day" FROM "daily_revenue" WHERE "creatorId" = ${creatorId}`;
    firstDay = first?.day ?? null;
  }
  const range = resolveRange(input.range, firstDay);
  const start = range.previous?.from ?? range.from;
  const [rows, lists, memberships] = await Promise.all([
    db().$queryRaw<DayRow[]>`
      SELECT "day"::text AS "day", "currency", ${SUM_COLUMNS} FROM "daily_revenue"
      WHERE "creatorId" = ${creatorId} AND "day" BETWEEN ${start}::date AND ${range.to}::date
      GROUP BY "day", "currency"`,
    creatorLists(creatorId, range),
    creatorMemberships(creatorId, range),
  ]);
  return { range, currencies: figuresFrom(rows, range), ...lists, memberships };
}

/** The creator's membership figures, and whether they have a membership product at all (for the empty state). Shared
 * with the benchmark's naive baseline (scripts/lib/naive-dashboards.ts), which builds the same page. */
export async function creatorMemberships(
  creatorId: string,
  range: ResolvedRange,
): Promise<CreatorDashboard["memberships"]> {
  const [metrics, product] = await Promise.all([
    membershipMetrics({ creatorId, range: instantRange(range) }),
    db().product.findFirst({ where: { creatorId, kind: "MEMBERSHIP" }, select: { id: true } }),
  ]);
  return { ...metrics, hasMembershipProduct: product !== null };
}

/** Top products, recent orders and refunds of one creator in the range (through the creator's indexes); shared with
 * the naive baseline too. */
export async function creatorLists(creatorId: string, range: ResolvedRange) {
  const { from: fromDate, to: toExclusive } = dayBounds(range);
  const [topProducts, recentOrders, refunds] = await Promise.all([
    db().$queryRaw<CreatorDashboard["topProducts"]>`
      SELECT i."productId", MAX(i."productTitle") AS "title", o."currency", COUNT(*)::int AS "orders", SUM(o."totalAmount")::int AS "gross"
      FROM "orders" o JOIN "order_items" i ON i."orderId" = o."id"
      WHERE o."creatorId" = ${creatorId} AND o."paidAt" >= ${fromDate} AND o."paidAt" < ${toExclusive}
      GROUP BY i."productId", o."currency"
      ORDER BY "gross" DESC, "orders" DESC LIMIT 5`,
    db().$queryRaw<(Omit<CreatorDashboard["recentOrders"][number], "paidAt"> & { paidAt: Date })[]>`
      SELECT o."id", o."number", o."paidAt", o."buyerEmail", o."currency", o."totalAmount", o."applicationFeeAmount",
        o."refundedAmount", o."status"::text AS "status",
        (SELECT i."productTitle" FROM "order_items" i WHERE i."orderId" = o."id" LIMIT 1) AS "productTitle"
      FROM "orders" o
      WHERE o."creatorId" = ${creatorId} AND o."paidAt" >= ${fromDate} AND o."paidAt" < ${toExclusive}
      ORDER BY o."paidAt" DESC, o."number" DESC LIMIT 8`,
    db().$queryRaw<(Omit<CreatorDashboard["refunds"][number], "createdAt"> & { createdAt: Date })[]>`
      SELECT r."id", o."number" AS "orderNumber", r."createdAt", r."amount", r."currency", r."status"::text AS "status", r."reason"
      FROM "refunds" r JOIN "orders" o ON o."id" = r."orderId"
      WHERE o."creatorId" = ${creatorId} AND r."createdAt" >= ${fromDate} AND r."createdAt" < ${toExclusive}
      ORDER BY r."createdAt" DESC LIMIT 8`,
  ]);
  return {
    topProducts,
    recentOrders: recentOrders.map((o) => ({ ...o, paidAt: o.paidAt.toISOString() })),
    refunds: refunds.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
  };
}

/** Sales of one creator in the range, one line per order, for the CSV export (oldest first). */
export async function creatorSalesRows(input: { creatorId: string; range: RangeInput }) {
  const range = resolveRange(input.range, input.range.from ?? new Date("2000-01-01T00:00:00Z"));
  const { from, to } = dayBounds(range);
  const rows = await db().$queryRaw<
    {
      number: number;
      paidAt: Date;
      productTitle: string | null;
      buyerEmail: string;
      currency: string;
      totalAmount: number;
      applicationFeeAmount: number;
      refundedAmount: number;
      applicationFeeRefunded: number;
      status: string;
    }[]
  >`
    SELECT o."number", o."paidAt", (SELECT i."productTitle" FROM "order_items" i WHERE i."orderId" = o."id" LIMIT 1) AS "productTitle",
      o."buyerEmail", o."currency", o."totalAmount", o."applicationFeeAmount", o."refundedAmount", o."applicationFeeRefunded",
      o."status"::text AS "status"
    FROM "orders" o
    WHERE o."creatorId" = ${input.creatorId} AND o."paidAt" >= ${from} AND o."paidAt" < ${to}
    ORDER BY o."paidAt", o."number"`;
  return { range, rows };
}

/** The creator studio's CSV export: the creator's slug and sales in the range; null when the user has no creator
 * account. */
export async function creatorSalesExport(input: { userId: string; range: RangeInput }) {
  const creator = await db().creatorAccount.findUnique({
    where: { userId: input.userId },
    select: { id: true, slug: true },
  });
  if (!creator) return null;
  const { range, rows } = await creatorSalesRows({ creatorId: creator.id, range: input.range });
  return { slug: creator.slug, range, rows };
}

/** The Stripe card of the creator's revenue page: balance and recent payouts of their connected account. */
export type CreatorStripeCard =
  | { status: "not_connected" }
  | { status: "unavailable" }
  | {
      status: "ok";
      available: { amount: number; currency: string }[];
      pending: { amount: number; currency: string }[];
      payouts: { id: string; amount: number; currency: string; arrivalDate: string; status: string }[];
    };

async function creatorStripeCard(accountId: string | null): Promise<CreatorStripeCard> {
  if (!accountId) return { status: "not_connected" };
  try {
    const [balance, payouts] = await Promise.all([
      retrieveConnectedBalance(accountId),
      listConnectedPayouts(accountId),
    ]);
    const amounts = (list: { amount: number; currency: string }[]) =>
      list.map((b) => ({ amount: b.amount, currency: b.currency }));
    return {
      status: "ok",
      available: amounts(balance.available),
      pending: amounts(balance.pending),
      payouts: payouts.map((p) => ({
        id: p.id,
        amount: p.amount,
        currency: p.currency,
        arrivalDate: new Date(p.arrival_date * 1000).toISOString(),
        status: p.status,
      })),
    };
  } catch {
    // Stripe unreachable or refusing: the revenue figures come from our database and still render.
    return { status: "unavailable" };
  }
}

/**
 * The creator's revenue page: their dashboard for the range and their Stripe balance and payouts; null when the user
 * has no creator account. Recent orders and refunds come as the page shows them: not the buyer's email, not refund
 * reasons or staff notes.
 */
export async function creatorRevenue(input: { userId: string; range: RangeInput }) {
  const creator = await db().creatorAccount.findUnique({
    where: { userId: input.userId },
    select: { id: true, displayName: true, stripeAccountId: true, onboardingStatus: true },
  });
  if (!creator) return null;
  const [dashboard, stripe] = await Promise.all([
    creatorDashboard({ creatorId: creator.id, range: input.range }),
    creatorStripeCard(creator.onboardingStatus === "NOT_STARTED" ? null : creator.stripeAccountId),
  ]);
  return {
    creator: { displayName: creator.displayName },
    dashboard: {
      ...dashboard,
      recentOrders: dashboard.recentOrders.map((o) => ({
        number: o.number,
        paidAt: o.paidAt,
        productTitle: o.productTitle,
        currency: o.currency,
        totalAmount: o.totalAmount,
        refundedAmount: o.refundedAmount,
      })),
      refunds: dashboard.refunds.map((r, index) => ({
        key: index,
        orderNumber: r.orderNumber,
        createdAt: r.createdAt,
        amount: r.amount,
        currency: r.currency,
        status: r.status,
      })),
    },
    stripe,
  };
}
