// customer.subscription.* and invoice.* events. Each one only names the subscription or invoice: the domain reads
// the current state from Stripe (see app/domain/memberships.server.ts), so the events' order and repeats don't matter.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { recordInvoicePayment, syncMembership } from "#app/domain/memberships.server.ts";
import { subscriptionIdOfInvoice } from "#app/stripe/memberships.server.ts";
import type { EventOf, HandlerMap } from "#app/webhooks/handler-map.ts";

const actorFor = (event: Stripe.Event) => ({ ...STRIPE_ACTOR, id: event.id });

type SubscriptionEventType =
  | "customer.subscription.created"
  | "customer.subscription.updated"
  | "customer.subscription.deleted"
  | "customer.subscription.paused"
  | "customer.subscription.resumed"
  | "customer.subscription.trial_will_end";

const syncSubscription = async (event: EventOf<SubscriptionEventType>) => {
  await syncMembership(event.data.object.id, actorFor(event));
};

const syncInvoiceSubscription = async (
  event: EventOf<"invoice.created" | "invoice.payment_failed" | "invoice.payment_action_required">,
) => {
  const subscriptionId = subscriptionIdOfInvoice(event.data.object);
  if (subscriptionId) await syncMembership(subscriptionId, actorFor(event));
};

export const membershipHandlers = {
  "customer.subscription.created": syncSubscription,
  "customer.subscription.updated": syncSubscription,
  "customer.subscription.deleted": syncSubscription,
  "customer.subscription.paused": syncSubscription,
  "customer.subscription.resumed": syncSubscription,
  "customer.subscription.trial_will_end": syncSubscription,
  "invoice.created": syncInvoiceSubscription,
  "invoice.payment_failed": syncInvoiceSubscription,
  "invoice.payment_action_required": syncInvoiceSubscription,
  // Not also `invoice.payment_succeeded`: Stripe sends it beside every `invoice.paid`, which alone covers every paid
  // invoice (paid out of band too), so handling both read the same invoice from Stripe twice.
  "invoice.paid": async (event) => {
    const invoice = event.data.object;
    if (subscriptionIdOfInvoice(invoice)) await recordInvoicePayment(invoice.id, actorFor(event));
  },
} satisfies HandlerMap;
