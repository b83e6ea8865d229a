// Daily revenue rollups, maintained in the same transaction as the order, refund or dispute that changes them.
//
// What each row counts, per creator, UTC day and currency (a rebuild from raw rows must give exactly this):
// - sales, on the day of `order.paidAt`: orderCount +1, grossAmount += totalAmount, applicationFeeAmount +=
//   applicationFeeAmount, stripeFeeAmount += stripeFeeAmount (0 when unknown);
// - refunds that are PENDING or SUCCEEDED, on the day of `refund.createdAt`: refundCount +1, refundedAmount += amount,
//   applicationFeeRefunded += applicationFeeRefundAmount (a refund that later fails is subtracted again);
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
  order: { creatorId: string; currency: string; paidAt: Date; totalAmount: number; applicationFeeAmount: number; stripeFeeAmount: number | null },
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
