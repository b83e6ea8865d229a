// customer.subscription.* and invoice.* events. Each one only names the subscription or invoice: the domain reads
// the current state from Stripe (see app/domain/memberships.server.ts), so the events' order and repeats don't matter.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import {
  noticeInvoicePaymentProblem,
  noticeTrialEnding,
  recordInvoicePayment,
  syncMembership,
} from "#app/domain/memberships.server.ts";
import { subscriptionIdOfInvoice } from "#app/stripe/memberships.server.ts";
import type { EventOf, HandlerMap } from "#app/webhooks/handler-map.ts";

const actorFor = (event: Stripe.Event) => ({ ...STRIPE_ACTOR, id: event.id });

type SubscriptionEventType =
  | "customer.subscription.created"
  | "customer.subscription.updated"
  | "customer.subscription.deleted"
  | "customer.subscription.paused"
  | "customer.subscription.resumed";

const syncSubscription = async (event: EventOf<SubscriptionEventType>) => {
  await syncMembership(event.data.object.id, actorFor(event));
};

const syncInvoiceSubscription = async (event: EventOf<"invoice.created">) => {
  const subscriptionId = subscriptionIdOfInvoice(event.data.object);
  if (subscriptionId) await syncMembership(subscriptionId, actorFor(event));
};

/** A renewal that failed or waits for the buyer: the membership is synced and the buyer emailed (once per invoice). */
const invoicePaymentProblem =
  (kind: "failed" | "action_required") =>
  async (event: EventOf<"invoice.payment_failed" | "invoice.payment_action_required">) => {
    const invoice = event.data.object;
    if (!subscriptionIdOfInvoice(invoice)) return;
    // The amount of a finalized invoice doesn't change; its state (paid since?) is read from Stripe.
    await noticeInvoicePaymentProblem({ invoiceId: invoice.id, kind, amountDue: invoice.amount_due }, actorFor(event));
  };

/** The period a subscription invoice pays for: from its lines (the invoice's own period is the previous one's). */
function periodOf(invoice: Stripe.Invoice) {
  const periods = (invoice.lines?.data ?? []).map((line) => line.period).filter((p) => p && p.end > p.start);
  if (periods.length === 0) return null;
  return {
    start: new Date(Math.min(...periods.map((p) => p.start)) * 1000),
    end: new Date(Math.max(...periods.map((p) => p.end)) * 1000),
  };
}

export const membershipHandlers = {
  "customer.subscription.created": syncSubscription,
  "customer.subscription.updated": syncSubscription,
  "customer.subscription.deleted": syncSubscription,
  "customer.subscription.paused": syncSubscription,
  "customer.subscription.resumed": syncSubscription,
  "customer.subscription.trial_will_end": async (event) => {
    await noticeTrialEnding(event.data.object.id, actorFor(event));
  },
  "invoice.created": syncInvoiceSubscription,
  "invoice.payment_failed": invoicePaymentProblem("failed"),
  "invoice.payment_action_required": invoicePaymentProblem("action_required"),
  // Not also `invoice.payment_succeeded`: Stripe sends it beside every `invoice.paid`, which alone covers every paid
  // invoice (paid out of band too), so handling both read the same invoice from Stripe twice.
  "invoice.paid": async (event) => {
    const invoice = event.data.object;
    if (subscriptionIdOfInvoice(invoice))
      await recordInvoicePayment(invoice.id, actorFor(event), undefined, periodOf(invoice));
  },
} satisfies HandlerMap;
