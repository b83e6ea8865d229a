// refund.* , charge.refunded and charge.dispute.* events.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { applyStripeDispute } from "#app/domain/disputes.server.ts";
import { settleRefund } from "#app/domain/refunds.server.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { stripe } from "../../client.server.ts";
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
  if (!ours) return; // a refund made outside this app (e.g. in Stripe's dashboard); see the README
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
