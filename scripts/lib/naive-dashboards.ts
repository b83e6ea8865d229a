// The benchmark's naive baseline and the rollup tests' cross-check: the creator and platform dashboards' figures
// aggregated from orders, refunds and disputes on every call, instead of read from the daily rollups as the pages do
// (app/domain/creator-revenue.server.ts, platform-revenue.server.ts). Not something a page should call: it scans every
// order of the range. `npm run bench:dashboard` times both paths; tests/integration/revenue.test.ts checks they agree.
import { creatorLists, creatorMemberships, type CreatorDashboard } from "#app/domain/creator-revenue.server.ts";
import { dayBounds, resolveRange, type RangeInput } from "#app/domain/day-range.ts";
import { CREATORS_PAGE_SIZE, SORT_SQL, type CreatorSort } from "#app/domain/platform-revenue.server.ts";
import { figuresFrom, SUM_COLUMNS, type DayRow } from "#app/domain/sales-figures.server.ts";
import { db, Prisma } from "#app/utils/db.server.ts";

function naiveDayRows(filter: { creatorId?: string; from: string; to: string }) {
  const creator = filter.creatorId ? Prisma.sql`AND o."creatorId" = ${filter.creatorId}` : Prisma.empty;
  const { from, to } = dayBounds(filter);
  return db().$queryRaw<DayRow[]>`
    SELECT "day"::text AS "day", "currency", ${SUM_COLUMNS} FROM (
      SELECT o."paidAt"::date AS "day", o."currency", 1 AS "orderCount", o."totalAmount" AS "grossAmount", o."applicationFeeAmount",
        COALESCE(o."stripeFeeAmount", 0) AS "stripeFeeAmount", 0 AS "refundCount", 0 AS "refundedAmount", 0 AS "applicationFeeRefunded",
        0 AS "disputeCount", 0 AS "disputedAmount", 0 AS "disputeLostAmount"
      FROM "orders" o WHERE o."paidAt" >= ${from} AND o."paidAt" < ${to} ${creator}
      UNION ALL
      SELECT r."createdAt"::date, o."currency", 0, 0, 0, 0, 1, r."amount", r."applicationFeeRefundAmount", 0, 0, 0
      FROM "refunds" r JOIN "orders" o ON o."id" = r."orderId"
      WHERE r."status" IN ('PENDING', 'SUCCEEDED') AND r."createdAt" >= ${from} AND r."createdAt" < ${to} ${creator}
      UNION ALL
      SELECT d."createdAt"::date, o."currency", 0, 0, 0, 0, 0, 0, 0, 1, d."amount", 0
      FROM "disputes" d JOIN "orders" o ON o."id" = d."orderId" WHERE d."createdAt" >= ${from} AND d."createdAt" < ${to} ${creator}
      UNION ALL
      SELECT d."closedAt"::date, o."currency", 0, 0, 0, 0, 0, 0, 0, 0, 0, d."amount"
      FROM "disputes" d JOIN "orders" o ON o."id" = d."orderId"
      WHERE d."outcome" = 'LOST' AND d."closedAt" >= ${from} AND d."closedAt" < ${to} ${creator}
    ) AS events GROUP BY "day", "currency"`;
}

/** The creator dashboard from raw orders, refunds and disputes (benchmark baseline, test cross-check): the same page,
 * with the figures aggregated from raw rows instead of read from the rollups. */
export async function naiveCreatorDashboard(input: {
  creatorId: string;
  range: RangeInput;
}): Promise<CreatorDashboard> {
  let firstDay: Date | null = null;
  if (input.range.from === null) {
    const [first] = await db().$queryRaw<{ day: Date | null }[]>`
      SELECT MIN("paidAt")::date AS "day" FROM "orders" WHERE "creatorId" = ${input.creatorId}`;
    firstDay = first?.day ?? null;
  }
  const range = resolveRange(input.range, firstDay);
  const [rows, lists, memberships] = await Promise.all([
    naiveDayRows({ creatorId: input.creatorId, from: range.previous?.from ?? range.from, to: range.to }),
    creatorLists(input.creatorId, range),
    creatorMemberships(input.creatorId, range),
  ]);
  return { range, currencies: figuresFrom(rows, range), ...lists, memberships };
}

/** The platform dashboard's figures from raw rows (benchmark baseline, test cross-check). */
export async function naivePlatformDashboard(input: {
  range: RangeInput;
  currency?: string;
  sort?: CreatorSort;
  page?: number;
}) {
  let firstDay: Date | null = null;
  if (input.range.from === null) {
    const [first] = await db().$queryRaw<{ day: Date | null }[]>`SELECT MIN("paidAt")::date AS "day" FROM "orders"`;
    firstDay = first?.day ?? null;
  }
  const range = resolveRange(input.range, firstDay);
  const { from, to } = dayBounds(range);
  const [rows, active, buyers] = await Promise.all([
    naiveDayRows({ from: range.previous?.from ?? range.from, to: range.to }),
    db().$queryRaw<{ count: number }[]>`
      SELECT COUNT(DISTINCT "creatorId")::int AS "count" FROM "orders" WHERE "paidAt" >= ${from} AND "paidAt" < ${to}`,
    db().$queryRaw<{ currency: string; count: number }[]>`
      SELECT "currency", COUNT(*)::int AS "count" FROM (
        SELECT DISTINCT ON ("buyerId") "paidAt", "currency" FROM "orders" ORDER BY "buyerId", "paidAt", "id"
      ) AS firsts WHERE "paidAt" >= ${from} AND "paidAt" < ${to} GROUP BY "currency"`,
  ]);
  const currencies = figuresFrom(rows, range);
  const currency = input.currency ?? currencies[0]?.currency ?? "usd";
  const sort = Prisma.raw(SORT_SQL[input.sort ?? "gross"].replace(`LOWER(c."displayName")`, `LOWER("displayName")`));
  const creators = await db().$queryRaw<
    { creatorId: string; orders: number; gross: number; fees: number; refunds: number }[]
  >`
    SELECT * FROM (
      SELECT o."creatorId", MIN(c."displayName") AS "displayName", COUNT(*)::int AS "orders", SUM(o."totalAmount")::int AS "gross",
        (SUM(o."applicationFeeAmount") - COALESCE(SUM(r."feeRefunded"), 0))::int AS "fees", COALESCE(SUM(r."refunded"), 0)::int AS "refunds"
      FROM "orders" o JOIN "creator_accounts" c ON c."id" = o."creatorId"
      LEFT JOIN LATERAL (
        SELECT SUM("amount") AS "refunded", SUM("applicationFeeRefundAmount") AS "feeRefunded" FROM "refunds"
        WHERE "orderId" = o."id" AND "status" IN ('PENDING', 'SUCCEEDED') AND "createdAt" >= ${from} AND "createdAt" < ${to}
      ) r ON TRUE
      WHERE o."paidAt" >= ${from} AND o."paidAt" < ${to} AND o."currency" = ${currency}
      GROUP BY o."creatorId"
    ) per
    ORDER BY ${sort} DESC NULLS LAST, "creatorId"
    LIMIT ${CREATORS_PAGE_SIZE} OFFSET ${((input.page ?? 1) - 1) * CREATORS_PAGE_SIZE}`;
  return {
    range,
    currencies,
    activeCreators: active[0]?.count ?? 0,
    newBuyers: buyers.reduce((sum, b) => sum + b.count, 0),
    creators,
  };
}
