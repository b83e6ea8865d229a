// Daily revenue rollups, maintained in the same transaction as the order, refund or dispute that changes them.
//
// What each row counts, per creator, UTC day and currency (a rebuild from raw rows must give exactly this):
// - sales, on the day of `order.paidAt`: orderCount +1, grossAmount += totalAmount, applicationFeeAmount +=
//   applicationFeeAmount, stripeFeeAmount += stripeFeeAmount (0 when unknown);
// - refunds that are PENDING or SUCCEEDED, on the day of `refund.createdAt`: refundCount +1, refundedAmount += amount,
//   applicationFeeRefunded += applicationFeeRefundAmount (a refund that later fails is subtracted again, except its
//   application fee refund when it had reached Stripe: Stripe doesn't undo that, so it stays counted);
// - disputes, on the day of `dispute.createdAt`: disputeCount +1, disputedAmount += amount; and when a dispute is
//   lost, on the day of `dispute.closedAt`: disputeLostAmount += amount.
import { Prisma, type Tx } from "#app/utils/db.server.ts";

export interface RevenueDelta {
  orderCount?: number;
  grossAmount?: number;
  applicationFeeAmount?: number;
  stripeFeeAmount?: number;
  refundCount?: number;
  refundedAmount?: number;
  applicationFeeRefunded?: number;
  disputeCount?: number;
  disputedAmount?: number;
  disputeLostAmount?: number;
}

const COLUMNS = [
  "orderCount",
  "grossAmount",
  "applicationFeeAmount",
  "stripeFeeAmount",
  "refundCount",
  "refundedAmount",
  "applicationFeeRefunded",
  "disputeCount",
  "disputedAmount",
  "disputeLostAmount",
] as const satisfies readonly (keyof RevenueDelta)[];

/** The UTC calendar day of a moment, as the rollups key it. */
export function utcDay(at: Date) {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** Adds `delta` to the creator's rollup row for the day and currency, creating it if needed (one atomic upsert). */
export async function addToDailyRevenue(
  tx: Tx,
  key: { creatorId: string; currency: string; at: Date },
  delta: RevenueDelta,
) {
  const values = COLUMNS.map((column) => delta[column] ?? 0);
  const columnList = Prisma.raw(COLUMNS.map((c) => `"${c}"`).join(", "));
  const updates = Prisma.raw(COLUMNS.map((c) => `"${c}" = "daily_revenue"."${c}" + EXCLUDED."${c}"`).join(", "));
  await tx.$executeRaw`
    INSERT INTO "daily_revenue" ("day", "creatorId", "currency", ${columnList})
    VALUES (${utcDay(key.at)}::date, ${key.creatorId}, ${key.currency}, ${Prisma.join(values)})
    ON CONFLICT ("day", "creatorId", "currency") DO UPDATE SET ${updates}`;
}

/** The rollup changes for each money event; every writer goes through these so a rebuild can mirror them. */
export function rollupSale(
  tx: Tx,
  order: {
    creatorId: string;
    currency: string;
    paidAt: Date;
    totalAmount: number;
    applicationFeeAmount: number;
    stripeFeeAmount: number | null;
  },
) {
  return addToDailyRevenue(
    tx,
    { creatorId: order.creatorId, currency: order.currency, at: order.paidAt },
    {
      orderCount: 1,
      grossAmount: order.totalAmount,
      applicationFeeAmount: order.applicationFeeAmount,
      stripeFeeAmount: order.stripeFeeAmount ?? 0,
    },
  );
}

/** `sign` is +1 when a refund is created (pending or succeeded) and −1 if it later fails or is canceled. */
export function rollupRefund(
  tx: Tx,
  order: { creatorId: string; currency: string },
  refund: { createdAt: Date; amount: number; applicationFeeRefundAmount: number },
  sign: 1 | -1,
) {
  return addToDailyRevenue(
    tx,
    { creatorId: order.creatorId, currency: order.currency, at: refund.createdAt },
    {
      refundCount: sign,
      refundedAmount: sign * refund.amount,
      applicationFeeRefunded: sign * refund.applicationFeeRefundAmount,
    },
  );
}

export function rollupDisputeOpened(
  tx: Tx,
  order: { creatorId: string; currency: string },
  dispute: { createdAt: Date; amount: number },
) {
  return addToDailyRevenue(
    tx,
    { creatorId: order.creatorId, currency: order.currency, at: dispute.createdAt },
    { disputeCount: 1, disputedAmount: dispute.amount },
  );
}

export function rollupDisputeLost(
  tx: Tx,
  order: { creatorId: string; currency: string },
  dispute: { closedAt: Date; amount: number },
) {
  return addToDailyRevenue(
    tx,
    { creatorId: order.creatorId, currency: order.currency, at: dispute.closedAt },
    { disputeLostAmount: dispute.amount },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Rebuild and verify: the same rules as the helpers above, as set-based SQL over orders, refunds and disputes.

/** Every rollup column, in table order (the platform table adds `newBuyerCount`). */
export const ROLLUP_COLUMNS = COLUMNS;

const SUMS = Prisma.raw(COLUMNS.map((c) => `SUM("${c}")::int AS "${c}"`).join(", "));
const COLUMN_LIST = Prisma.raw(COLUMNS.map((c) => `"${c}"`).join(", "));

/**
 * What `daily_revenue` must hold, recomputed from raw rows: one SELECT giving (day, creatorId, currency, …columns).
 * Mirrors rollupSale / rollupRefund (PENDING and SUCCEEDED; a failed one that reached Stripe by its fee refund
 * alone) / rollupDisputeOpened / rollupDisputeLost; a refund or dispute counts in its order's creator and currency.
 */
const EXPECTED_DAILY = Prisma.sql`
  SELECT "day", "creatorId", "currency", ${SUMS} FROM (
    SELECT o."paidAt"::date AS "day", o."creatorId", o."currency",
      1 AS "orderCount", o."totalAmount" AS "grossAmount", o."applicationFeeAmount", COALESCE(o."stripeFeeAmount", 0) AS "stripeFeeAmount",
      0 AS "refundCount", 0 AS "refundedAmount", 0 AS "applicationFeeRefunded", 0 AS "disputeCount", 0 AS "disputedAmount", 0 AS "disputeLostAmount"
    FROM "orders" o
    UNION ALL
    SELECT r."createdAt"::date, o."creatorId", o."currency", 0, 0, 0, 0, 1, r."amount", r."applicationFeeRefundAmount", 0, 0, 0
    FROM "refunds" r JOIN "orders" o ON o."id" = r."orderId"
    WHERE r."status" IN ('PENDING', 'SUCCEEDED')
    UNION ALL
    SELECT r."createdAt"::date, o."creatorId", o."currency", 0, 0, 0, 0, 0, 0, r."applicationFeeRefundAmount", 0, 0, 0
    FROM "refunds" r JOIN "orders" o ON o."id" = r."orderId"
    WHERE r."status" IN ('FAILED', 'CANCELED') AND r."stripeRefundId" IS NOT NULL
    UNION ALL
    SELECT d."createdAt"::date, o."creatorId", o."currency", 0, 0, 0, 0, 0, 0, 0, 1, d."amount", 0
    FROM "disputes" d JOIN "orders" o ON o."id" = d."orderId"
    UNION ALL
    SELECT d."closedAt"::date, o."creatorId", o."currency", 0, 0, 0, 0, 0, 0, 0, 0, 0, d."amount"
    FROM "disputes" d JOIN "orders" o ON o."id" = d."orderId"
    WHERE d."outcome" = 'LOST' AND d."closedAt" IS NOT NULL
  ) AS events
  GROUP BY "day", "creatorId", "currency"`;

/** Buyers by the day and currency of their first order (ties on paidAt broken by id, as the insert order would). */
const EXPECTED_NEW_BUYERS = Prisma.sql`
  SELECT "day", "currency", COUNT(*)::int AS "newBuyerCount" FROM (
    SELECT DISTINCT ON ("buyerId") "paidAt"::date AS "day", "currency"
    FROM "orders" ORDER BY "buyerId", "paidAt", "id"
  ) AS firsts
  GROUP BY "day", "currency"`;

/** What `platform_daily_revenue` must hold, from what `daily_revenue` holds and the buyers' first orders. */
const EXPECTED_PLATFORM = Prisma.sql`
  SELECT COALESCE(s."day", b."day") AS "day", COALESCE(s."currency", b."currency") AS "currency",
    ${Prisma.raw(COLUMNS.map((c) => `COALESCE(s."${c}", 0) AS "${c}"`).join(", "))},
    COALESCE(b."newBuyerCount", 0) AS "newBuyerCount"
  FROM (SELECT "day", "currency", ${SUMS} FROM "daily_revenue" GROUP BY "day", "currency") s
  FULL JOIN (${EXPECTED_NEW_BUYERS}) b ON b."day" = s."day" AND b."currency" = s."currency"`;

/**
 * Recomputes both rollup tables from orders, refunds and disputes inside `tx`. Locks the rollup tables (writers wait;
 * readers keep reading the old rows until commit) and suspends the platform trigger for this transaction only.
 */
export async function rebuildRollups(tx: Tx) {
  await tx.$executeRawUnsafe(`LOCK TABLE "daily_revenue", "platform_daily_revenue" IN EXCLUSIVE MODE`);
  await tx.$executeRawUnsafe(`SELECT set_config('app.rollup_rebuild', 'on', true)`);
  await tx.$executeRawUnsafe(`DELETE FROM "daily_revenue"`);
  const daily = await tx.$executeRaw`
    INSERT INTO "daily_revenue" ("day", "creatorId", "currency", ${COLUMN_LIST}) ${EXPECTED_DAILY}`;
  await tx.$executeRawUnsafe(`DELETE FROM "platform_daily_revenue"`);
  const platform = await tx.$executeRaw`
    INSERT INTO "platform_daily_revenue" ("day", "currency", ${COLUMN_LIST}, "newBuyerCount") ${EXPECTED_PLATFORM}`;
  await tx.$executeRawUnsafe(`SELECT set_config('app.rollup_rebuild', 'off', true)`);
  return { dailyRows: daily, platformRows: platform };
}

export interface RollupDifference {
  table: "daily_revenue" | "platform_daily_revenue";
  day: string;
  creatorId: string | null;
  currency: string;
  column: string;
  stored: number;
  expected: number;
}

/**
 * Compares the stored rollups with a recomputation from raw rows. A missing row equals a row of zeros (a refund that
 * failed leaves a zero row behind). Returns every differing column; empty when they agree.
 */
export async function verifyRollups(tx: Tx, options: { limit?: number } = {}): Promise<RollupDifference[]> {
  const limit = options.limit ?? 1000;
  const dailyCompare = Prisma.raw(COLUMNS.map((c) => `COALESCE(s."${c}", 0) <> COALESCE(e."${c}", 0)`).join(" OR "));
  const dailyRows = await tx.$queryRaw<Record<string, unknown>[]>`
    SELECT COALESCE(s."day", e."day")::text AS "day", COALESCE(s."creatorId", e."creatorId") AS "creatorId",
      COALESCE(s."currency", e."currency") AS "currency",
      ${Prisma.raw(COLUMNS.map((c) => `COALESCE(s."${c}", 0) AS "s_${c}", COALESCE(e."${c}", 0) AS "e_${c}"`).join(", "))}
    FROM "daily_revenue" s
    FULL JOIN (${EXPECTED_DAILY}) e ON e."day" = s."day" AND e."creatorId" = s."creatorId" AND e."currency" = s."currency"
    WHERE ${dailyCompare}
    ORDER BY 1, 2, 3 LIMIT ${limit}`;
  const platformColumns = [...COLUMNS, "newBuyerCount"];
  const platformCompare = Prisma.raw(
    platformColumns.map((c) => `COALESCE(s."${c}", 0) <> COALESCE(e."${c}", 0)`).join(" OR "),
  );
  const platformRows = await tx.$queryRaw<Record<string, unknown>[]>`
    SELECT COALESCE(s."day", e."day")::text AS "day", NULL AS "creatorId", COALESCE(s."currency", e."currency") AS "currency",
      ${Prisma.raw(platformColumns.map((c) => `COALESCE(s."${c}", 0) AS "s_${c}", COALESCE(e."${c}", 0) AS "e_${c}"`).join(", "))}
    FROM "platform_daily_revenue" s
    FULL JOIN (${EXPECTED_PLATFORM}) e ON e."day" = s."day" AND e."currency" = s."currency"
    WHERE ${platformCompare}
    ORDER BY 1, 3 LIMIT ${limit}`;
  const differences: RollupDifference[] = [];
  const collect = (table: RollupDifference["table"], rows: Record<string, unknown>[], columns: readonly string[]) => {
    for (const row of rows)
      for (const column of columns) {
        const stored = Number(row[`s_${column}`]);
        const expected = Number(row[`e_${column}`]);
        if (stored !== expected)
          differences.push({
            table,
            day: String(row.day),
            creatorId: (row.creatorId as string | null) ?? null,
            currency: String(row.currency),
            column,
            stored,
            expected,
          });
      }
  };
  collect("daily_revenue", dailyRows, COLUMNS);
  collect("platform_daily_revenue", platformRows, platformColumns);
  return differences;
}
