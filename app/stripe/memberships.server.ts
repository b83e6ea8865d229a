// Stripe calls for memberships: the Stripe product and recurring prices behind a membership, subscription-mode
// Checkout, the subscription and invoice reads the webhook handlers sync from, and the billing portal.
import type Stripe from "stripe";
import { recorded, type RecordedSessionRequest } from "./checkout.server.ts";
import { retryRateLimited, stripe } from "./client.server.ts";

export type Interval = "month" | "year";

/** The Stripe product a membership's prices hang off (prices live on the platform: these are destination charges). */
export function createMembershipStripeProduct(input: { productId: string; title: string }, idempotencyKey: string) {
  return retryRateLimited(() =>
    stripe().products.create({ name: input.title, metadata: { product_id: input.productId } }, { idempotencyKey }),
  );
}

export function createRecurringPrice(input: {
  stripeProductId: string;
  priceId: string;
  amount: number;
  currency: string;
  interval: Interval;
}) {
  return retryRateLimited(() =>
    stripe().prices.create(
      {
        product: input.stripeProductId,
        unit_amount: input.amount,
        currency: input.currency,
        recurring: { interval: input.interval },
        metadata: { price_id: input.priceId },
      },
      // The price row's id: retrying the same row never makes a second Stripe price.
      { idempotencyKey: `membership-price-${input.priceId}` },
    ),
  );
}

export function renameMembershipStripeProduct(stripeProductId: string, title: string) {
  return retryRateLimited(() => stripe().products.update(stripeProductId, { name: title }));
}

/** The ids of the product's prices Stripe still offers (active). */
export async function activeStripePriceIds(stripeProductId: string) {
  const ids: string[] = [];
  for await (const price of stripe().prices.list({ product: stripeProductId, active: true, limit: 100 }))
    ids.push(price.id);
  return ids;
}

/** A replaced price stays valid for the members already on it; it only stops being offered (and in the portal). */
export function archiveRecurringPrice(stripePriceId: string) {
  return retryRateLimited(() => stripe().prices.update(stripePriceId, { active: false }));
}

export interface MembershipCheckoutInput {
  attemptId: string;
  buyerId: string;
  buyerEmail: string;
  stripeCustomerId: string | null;
  productId: string;
  priceId: string;
  creatorId: string;
  stripePriceId: string;
  destinationAccountId: string;
  applicationFeePercent: number;
  trialDays: number | null;
  expiresAt: Date;
  successUrl: string;
  cancelUrl: string;
}

/**
 * A subscription-mode Checkout Session: every invoice is a destination charge — the platform keeps
 * `application_fee_percent` of it and Stripe transfers the rest to the creator. The subscription carries the ids the
 * webhook handlers need to find the buyer and product, whichever event arrives first.
 */
export function membershipSessionRequest(input: MembershipCheckoutInput): RecordedSessionRequest {
  const metadata = {
    checkout_attempt_id: input.attemptId,
    buyer_id: input.buyerId,
    product_id: input.productId,
    price_id: input.priceId,
    creator_id: input.creatorId,
  };
  return recorded({
    mode: "subscription",
    line_items: [{ price: input.stripePriceId, quantity: 1 }],
    subscription_data: {
      application_fee_percent: input.applicationFeePercent,
      transfer_data: { destination: input.destinationAccountId },
      ...(input.trialDays ? { trial_period_days: input.trialDays } : {}),
      metadata,
    },
    client_reference_id: input.attemptId,
    ...(input.stripeCustomerId ? { customer: input.stripeCustomerId } : { customer_email: input.buyerEmail }),
    metadata,
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
    expires_at: Math.floor(input.expiresAt.getTime() / 1000),
  });
}

/** What the app reads from a subscription invoice. */
export interface InvoiceInfo {
  id: string;
  /** draft, open, paid, uncollectible or void */
  status: string | null;
  amountPaid: number;
  currency: string;
  attemptCount: number;
  hostedInvoiceUrl: string | null;
  billingReason: string | null;
  customerEmail: string | null;
  subscriptionId: string | null;
  /** The payment intent that paid (or last tried to pay) the invoice. */
  paymentIntentId: string | null;
}

/** Pass the invoice with `payments` expanded, or its payment intent reads as none. */
export function invoiceFrom(invoice: Stripe.Invoice): InvoiceInfo {
  return {
    id: invoice.id,
    status: invoice.status,
    amountPaid: invoice.amount_paid,
    currency: invoice.currency,
    attemptCount: invoice.attempt_count,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    billingReason: invoice.billing_reason,
    customerEmail: invoice.customer_email,
    subscriptionId: subscriptionIdOfInvoice(invoice),
    paymentIntentId: paymentIntentOfInvoice(invoice),
  };
}

/** What the app reads from a subscription (one item: one membership price). Times are seconds since the epoch. */
export interface SubscriptionInfo {
  id: string;
  /** incomplete, incomplete_expired, trialing, active, past_due, canceled, unpaid or paused */
  status: string;
  customerId: string;
  metadata: Record<string, string>;
  currency: string;
  applicationFeePercent: number | null;
  item: {
    quantity: number | undefined;
    currentPeriodEnd: number | null | undefined;
    price: { id: string; unitAmount: number | null; currency: string; interval: string | null } | null;
  } | null;
  trialStart: number | null;
  trialEnd: number | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  canceledAt: number | null;
  pausedCollection: boolean;
  latestInvoiceId: string | null;
  /** When Stripe returned it expanded. */
  latestInvoice: InvoiceInfo | null;
}

/** Pass the subscription with `latest_invoice.payments` expanded to read its latest invoice. */
export function subscriptionFrom(sub: Stripe.Subscription): SubscriptionInfo {
  const item = sub.items.data[0];
  const price = item?.price;
  const latestInvoice =
    typeof sub.latest_invoice === "object" && sub.latest_invoice ? invoiceFrom(sub.latest_invoice) : null;
  return {
    id: sub.id,
    status: sub.status,
    customerId: typeof sub.customer === "string" ? sub.customer : sub.customer.id,
    metadata: sub.metadata ?? {},
    currency: sub.currency,
    applicationFeePercent: sub.application_fee_percent,
    item: item
      ? {
          quantity: item.quantity,
          currentPeriodEnd: item.current_period_end,
          price: price
            ? {
                id: price.id,
                unitAmount: price.unit_amount,
                currency: price.currency,
                interval: price.recurring?.interval ?? null,
              }
            : null,
        }
      : null,
    trialStart: sub.trial_start,
    trialEnd: sub.trial_end,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    cancelAt: sub.cancel_at,
    canceledAt: sub.canceled_at,
    pausedCollection: sub.pause_collection !== null && sub.pause_collection !== undefined,
    latestInvoiceId: typeof sub.latest_invoice === "string" ? sub.latest_invoice : (latestInvoice?.id ?? null),
    latestInvoice,
  };
}

export async function retrieveSubscription(subscriptionId: string): Promise<SubscriptionInfo> {
  return subscriptionFrom(
    await stripe().subscriptions.retrieve(subscriptionId, { expand: ["latest_invoice.payments"] }),
  );
}

export async function retrieveInvoice(invoiceId: string): Promise<InvoiceInfo> {
  return invoiceFrom(await stripe().invoices.retrieve(invoiceId, { expand: ["payments"] }));
}

/** A payment intent's status (requires_action, requires_payment_method, succeeded, …). */
export async function paymentIntentStatus(paymentIntentId: string): Promise<string> {
  return (await stripe().paymentIntents.retrieve(paymentIntentId)).status;
}

export function subscriptionIdOfInvoice(invoice: Stripe.Invoice): string | null {
  const sub = invoice.parent?.subscription_details?.subscription;
  return typeof sub === "string" ? sub : (sub?.id ?? null);
}

/** The payment intent that paid (or last tried to pay) an invoice. */
export function paymentIntentOfInvoice(invoice: Stripe.Invoice): string | null {
  for (const entry of invoice.payments?.data ?? []) {
    const intent = entry.payment?.payment_intent;
    if (intent) return typeof intent === "string" ? intent : intent.id;
  }
  return null;
}

export function createBillingPortalSession(input: { customer: string; returnUrl: string }) {
  return retryRateLimited(() =>
    stripe().billingPortal.sessions.create({ customer: input.customer, return_url: input.returnUrl }),
  );
}
