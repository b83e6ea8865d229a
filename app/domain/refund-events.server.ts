// What Stripe says about refunds (refund.* and charge.refunded events): settles the refunds this app made, and records
// the ones made elsewhere (Stripe's dashboard, say) on our orders so our money matches.
import {
  chargeRefunds,
  externalRefundEffects,
  retrieveRefundWithReversal,
  type RefundInfo,
} from "#app/stripe/refunds.server.ts";
import { db } from "#app/utils/db.server.ts";
import type { AuditActor } from "./audit.server.ts";
import { refuseUntilOrderRecorded } from "./pending-orders.server.ts";
import { recordExternalRefund, recordRefundFailure, settleRefund } from "./refunds.server.ts";

const FINAL: Record<string, "SUCCEEDED" | "FAILED" | "CANCELED"> = {
  succeeded: "SUCCEEDED",
  failed: "FAILED",
  canceled: "CANCELED",
};

/** Applies one Stripe refund: ours settles once it is final; one made elsewhere is recorded. */
export async function applyStripeRefund(refund: RefundInfo, actor: AuditActor) {
  const ours = refund.refundId
    ? await db().refund.findUnique({ where: { id: refund.refundId } })
    : await db().refund.findUnique({ where: { stripeRefundId: refund.id } });
  if (!ours) return recordRefundMadeElsewhere(refund, actor);
  if (!ours.stripeRefundId)
    await db().refund.updateMany({ where: { id: ours.id, stripeRefundId: null }, data: { stripeRefundId: refund.id } });
  const status = refund.status ? FINAL[refund.status] : undefined;
  if (status === "FAILED" || status === "CANCELED")
    await recordRefundFailure({ refundId: ours.id, status, failureReason: refund.failureReason, actor });
  else if (status)
    await settleRefund({
      refundId: ours.id,
      status,
      failureReason: refund.failureReason,
      stripeRefundId: refund.id,
      actor,
    });
}

/** `charge.refunded`: every refund on the charge, read from Stripe. */
export async function applyChargeRefunds(chargeId: string, actor: AuditActor) {
  for await (const refund of chargeRefunds(chargeId)) await applyStripeRefund(refund, actor);
}

/**
 * A refund made outside this app (Stripe's dashboard, say) on one of our orders: record it so our money matches. One
 * that already failed when we first read it is recorded and then undone as any failed refund is: its transfer
 * reversal and fee refund stay on Stripe, so the creator is paid back (and staff learn the refund failed).
 */
async function recordRefundMadeElsewhere(payload: RefundInfo, actor: AuditActor) {
  // The event may predate the refund's transfer reversal: read the refund as it is now.
  const refund = await retrieveRefundWithReversal(payload.id);
  const { chargeId } = refund;
  const failed = refund.status === "failed" || refund.status === "canceled";
  const status = refund.status === "succeeded" || failed ? "SUCCEEDED" : refund.status === "pending" ? "PENDING" : null;
  if (!chargeId || !status) return;
  const order = await db().order.findUnique({ where: { stripeChargeId: chargeId } });
  if (!order) return refuseUntilOrderRecorded(chargeId);
  const effects = await externalRefundEffects({ refund, chargeId });
  await recordExternalRefund({
    orderId: order.id,
    stripeRefund: { id: refund.id, amount: refund.amount, currency: refund.currency, reason: refund.reason, status },
    effects,
    actor,
    queueEmails: !failed,
  });
  if (failed) {
    const recorded = await db().refund.findUniqueOrThrow({ where: { stripeRefundId: refund.id } });
    await recordRefundFailure({
      refundId: recorded.id,
      status: refund.status === "failed" ? "FAILED" : "CANCELED",
      failureReason: refund.failureReason,
      actor,
    });
  }
  // A pending external refund settles through the usual path on its next event.
}
