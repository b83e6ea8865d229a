// Stripe calls for memberships: the Stripe product and recurring prices behind a membership, subscription-mode
// Checkout, the subscription and invoice reads the webhook handlers sync from, and the billing portal.
import type Stripe from "stripe";
import { retryRateLimited, stripe } from "./client.server.ts";

export type Interval = "month" | "year";

/** The Stripe product a membership's prices hang off (prices live on the platform: these are destination charges). */
export function createMembershipStripeProduct(input: { productId: string; title: string }, idempotencyKey: string) {
  return retryRateLimited(() =>
    stripe().products.create(
      { name: input.title, metadata: { product_id: input.productId } },
      { idempotencyKey },
    ),
  );
}

export function createRecurringPrice(
  input: { stripeProductId: string; priceId: string; amount: number; currency: string; interval: Interval },
) {
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
  for await (const price of stripe().prices.list({ product: stripeProductId, active: true, limit: 100 })) ids.push(price.id);
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
export function membershipSessionRequest(input: MembershipCheckoutInput): Stripe.Checkout.SessionCreateParams {
  const metadata = {
    checkout_attempt_id: input.attemptId,
    buyer_id: input.buyerId,
    product_id: input.productId,
    price_id: input.priceId,
    creator_id: input.creatorId,
  };
  return {
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
  };
}

export function retrieveSubscription(subscriptionId: string) {
  return stripe().subscriptions.retrieve(subscriptionId, { expand: ["latest_invoice.payments"] });
}

export function retrieveInvoice(invoiceId: string) {
  return stripe().invoices.retrieve(invoiceId, { expand: ["payments"] });
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
