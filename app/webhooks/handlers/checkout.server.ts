// checkout.session.* and payment_intent.* events.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { markAttemptExpired, recordAsyncPaymentFailure, recordPaymentFailure } from "#app/domain/checkout.server.ts";
import { fulfillCheckoutSession } from "#app/domain/fulfillment.server.ts";
import { checkoutSessionFrom, paymentFailureFrom } from "#app/stripe/checkout.server.ts";
import type { EventOf, HandlerMap } from "#app/webhooks/handler-map.ts";

const actorFor = (event: Stripe.Event) => ({ ...STRIPE_ACTOR, id: event.id });

// A delayed (bank) payment completes Checkout unpaid: `completed` then finds nothing to fulfill, and one of the two
// async events says how it ended.
const fulfill = async (event: EventOf<"checkout.session.completed" | "checkout.session.async_payment_succeeded">) => {
  await fulfillCheckoutSession(checkoutSessionFrom(event.data.object), { actor: actorFor(event) });
};

export const checkoutHandlers = {
  "checkout.session.completed": fulfill,
  "checkout.session.async_payment_succeeded": fulfill,
  "checkout.session.async_payment_failed": async (event) => {
    await recordAsyncPaymentFailure(checkoutSessionFrom(event.data.object), actorFor(event));
  },
  "checkout.session.expired": async (event) => {
    const { attemptId } = checkoutSessionFrom(event.data.object);
    if (attemptId) await markAttemptExpired(attemptId, actorFor(event));
  },
  "payment_intent.payment_failed": async (event) => {
    await recordPaymentFailure(paymentFailureFrom(event.data.object), actorFor(event));
  },
} satisfies HandlerMap;
