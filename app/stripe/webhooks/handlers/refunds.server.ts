// refund.* , charge.refunded and charge.dispute.* events.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { applyStripeDispute } from "#app/domain/disputes.server.ts";
import { recordExternalRefund, settleRefund } from "#app/domain/refunds.server.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { stripe } from "../../client.server.ts";
import { externalRefundEffects } from "../../refunds.server.ts";
import type { EventHandler } from "../dispatch.server.ts";

const FINAL: Record<string, "SUCCEEDED" | "FAILED" | "CANCELED"> = {
  succeeded: "SUCCEEDED",
  failed: "FAILED",
  canceled: "CANCELED",
};

async function applyStripeRefund(refund: Stripe.Refund, event: Stripe.Event) {
  const ours = refund.metadata?.refund_id
    ? await db().refund.findUnique({ where: { id: refund.metadata.refund_id } })
    : await db().refund.findUnique({ where: { stripeRefundId: refund.id } });
  if (!ours) return recordRefundMadeElsewhere(refund, event);
  if (!ours.stripeRefundId) await db().refund.updateMany({ where: { id: ours.id, stripeRefundId: null }, data: { stripeRefundId: refund.id } });
  const status = refund.status ? FINAL[refund.status] : undefined;
  if (status)
    await settleRefund({
      refundId: ours.id,
      status,
      failureReason: refund.failure_reason ?? null,
      stripeRefundId: refund.id,
      actor: { ...STRIPE_ACTOR, id: event.id },
    });
}

/** A refund made outside this app (Stripe's dashboard, say) on one of our orders: record it so our money matches. */
async function recordRefundMadeElsewhere(payload: Stripe.Refund, event: Stripe.Event) {
  // The event may predate the refund's transfer reversal: read the refund as it is now.
  const refund = await stripe().refunds.retrieve(payload.id, { expand: ["transfer_reversal"] });
  const chargeId = typeof refund.charge === "string" ? refund.charge : refund.charge?.id;
  const status = refund.status === "succeeded" ? "SUCCEEDED" : refund.status === "pending" ? "PENDING" : null;
  if (!chargeId || !status) return;
  const order = await db().order.findUnique({ where: { stripeChargeId: chargeId } });
  if (!order) return;
  const effects = await externalRefundEffects({ refund, chargeId });
  await recordExternalRefund({
    orderId: order.id,
    stripeRefund: { id: refund.id, amount: refund.amount, currency: refund.currency, reason: refund.reason ?? null, status },
    effects,
    actor: { ...STRIPE_ACTOR, id: event.id },
  });
  // A pending external refund settles through the usual path on its next event.
}

const onRefund: EventHandler = (event) => applyStripeRefund(event.data.object as Stripe.Refund, event);

const onDispute: EventHandler = async (event) => {
  await transaction((tx) =>
    applyStripeDispute(tx, event.data.object as Stripe.Dispute, {
      actor: { ...STRIPE_ACTOR, id: event.id },
      observedAt: new Date(event.created * 1000),
    }),
  );
};

export const refundHandlers: Record<string, EventHandler> = {
  "refund.created": onRefund,
  "refund.updated": onRefund,
  "refund.failed": onRefund,
  "charge.refunded": async (event) => {
    // The charge's refunds are not embedded in current API versions: read them.
    const charge = event.data.object as Stripe.Charge;
    for await (const refund of stripe().refunds.list({ charge: charge.id, limit: 100 })) await applyStripeRefund(refund, event);
  },
  "charge.dispute.created": onDispute,
  "charge.dispute.updated": onDispute,
  "charge.dispute.closed": onDispute,
  "charge.dispute.funds_withdrawn": onDispute,
};
