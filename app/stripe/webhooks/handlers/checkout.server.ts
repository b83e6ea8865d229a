// checkout.session.* and payment_intent.* events.
import type Stripe from "stripe";
import { STRIPE_ACTOR, audit } from "#app/domain/audit.server.ts";
import { markAttemptExpired } from "#app/domain/checkout.server.ts";
import { attemptIdOf, fulfillCheckoutSession } from "#app/domain/fulfillment.server.ts";
import { transaction } from "#app/utils/db.server.ts";
import type { EventHandler } from "../dispatch.server.ts";

const actorFor = (event: Stripe.Event) => ({ ...STRIPE_ACTOR, id: event.id });

const fulfill: EventHandler = async (event) => {
  const session = event.data.object as Stripe.Checkout.Session;
  await fulfillCheckoutSession(session, { actor: actorFor(event) });
};

export const checkoutHandlers: Record<string, EventHandler> = {
  "checkout.session.completed": fulfill,
  "checkout.session.async_payment_succeeded": fulfill,
  "checkout.session.expired": async (event) => {
    const attemptId = attemptIdOf(event.data.object as Stripe.Checkout.Session);
    if (attemptId) await markAttemptExpired(attemptId, actorFor(event));
  },
  "payment_intent.payment_failed": async (event) => {
    const intent = event.data.object as Stripe.PaymentIntent;
    const attemptId = intent.metadata?.checkout_attempt_id;
    if (!attemptId) return;
    const message = intent.last_payment_error?.message ?? "The payment failed.";
    await transaction(async (tx) => {
      // The buyer can retry on the same session, so the attempt stays open; we keep the latest failure.
      const { count } = await tx.checkoutAttempt.updateMany({
        where: { id: attemptId, status: "OPEN" },
        data: { failureMessage: message.slice(0, 500) },
      });
      if (count)
        await audit(tx, {
          actor: actorFor(event),
          action: "checkout.payment_failed",
          entityType: "checkout_attempt",
          entityId: attemptId,
          amount: intent.amount,
          currency: intent.currency,
          data: { paymentIntentId: intent.id, code: intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code ?? null },
        });
    });
  },
};
