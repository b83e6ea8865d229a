// customer.subscription.* and invoice.* events. Each one only names the subscription or invoice: the handlers read
// the current state from Stripe (see memberships.server.ts), so the events' order and repeats don't matter.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { recordInvoicePayment, syncMembership } from "#app/domain/memberships.server.ts";
import { subscriptionIdOfInvoice } from "#app/stripe/memberships.server.ts";
import type { EventHandler } from "../dispatch.server.ts";

const actorFor = (event: Stripe.Event) => ({ ...STRIPE_ACTOR, id: event.id });

const syncSubscription: EventHandler = async (event) => {
  const subscription = event.data.object as Stripe.Subscription;
  await syncMembership(subscription.id, actorFor(event));
};

const syncInvoiceSubscription: EventHandler = async (event) => {
  const subscriptionId = subscriptionIdOfInvoice(event.data.object as Stripe.Invoice);
  if (subscriptionId) await syncMembership(subscriptionId, actorFor(event));
};

const recordInvoice: EventHandler = async (event) => {
  const invoice = event.data.object as Stripe.Invoice;
  if (subscriptionIdOfInvoice(invoice)) await recordInvoicePayment(invoice.id, actorFor(event));
};

export const membershipHandlers: Record<string, EventHandler> = {
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
  "invoice.paid": recordInvoice,
};
