// refund.* , charge.refunded and charge.dispute.* events.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { syncStripeDispute } from "#app/domain/disputes.server.ts";
import { applyChargeRefunds, applyStripeRefund } from "#app/domain/refund-events.server.ts";
import { disputeFrom } from "#app/stripe/disputes.server.ts";
import { refundFrom } from "#app/stripe/refunds.server.ts";
import type { EventOf, HandlerMap } from "#app/webhooks/handler-map.ts";

const actorFor = (event: Stripe.Event) => ({ ...STRIPE_ACTOR, id: event.id });

const onRefund = (event: EventOf<"refund.created" | "refund.updated" | "refund.failed">) =>
  applyStripeRefund(refundFrom(event.data.object), actorFor(event));

const onDispute = async (
  event: EventOf<
    "charge.dispute.created" | "charge.dispute.updated" | "charge.dispute.closed" | "charge.dispute.funds_withdrawn"
  >,
) => {
  await syncStripeDispute(disputeFrom(event.data.object), {
    actor: actorFor(event),
    observedAt: new Date(event.created * 1000),
  });
};

export const refundHandlers = {
  "refund.created": onRefund,
  "refund.updated": onRefund,
  "refund.failed": onRefund,
  // The charge's refunds are not embedded in current API versions: the domain reads them.
  "charge.refunded": (event) => applyChargeRefunds(event.data.object.id, actorFor(event)),
  "charge.dispute.created": onDispute,
  "charge.dispute.updated": onDispute,
  "charge.dispute.closed": onDispute,
  "charge.dispute.funds_withdrawn": onDispute,
} satisfies HandlerMap;
