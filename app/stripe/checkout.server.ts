// Stripe Checkout calls.
import type Stripe from "stripe";
import { retryRateLimited, stripe } from "./client.server.ts";

export interface DestinationCheckoutInput {
  attemptId: string;
  buyerId: string;
  buyerEmail: string;
  productId: string;
  productTitle: string;
  creatorId: string;
  destinationAccountId: string;
  amount: number;
  currency: string;
  applicationFeeAmount: number;
  expiresAt: Date;
  successUrl: string;
  cancelUrl: string;
}

/**
 * The request for a Checkout Session for one product as a destination charge: the platform charges the buyer, keeps
 * `application_fee_amount`, and Stripe transfers the rest to the creator's connected account.
 */
export function destinationSessionRequest(input: DestinationCheckoutInput): Stripe.Checkout.SessionCreateParams {
  const metadata = {
    checkout_attempt_id: input.attemptId,
    buyer_id: input.buyerId,
    product_id: input.productId,
    creator_id: input.creatorId,
  };
  return {
    mode: "payment",
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: input.currency,
          unit_amount: input.amount,
          product_data: { name: input.productTitle, metadata: { product_id: input.productId } },
        },
      },
    ],
    payment_intent_data: {
      application_fee_amount: input.applicationFeeAmount,
      transfer_data: { destination: input.destinationAccountId },
      metadata,
    },
    client_reference_id: input.attemptId,
    customer_email: input.buyerEmail,
    metadata,
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
    expires_at: Math.floor(input.expiresAt.getTime() / 1000),
  };
}

/** Sends a recorded Checkout Session request; the same key with the same request always yields the same session. */
export function createCheckoutSession(request: Stripe.Checkout.SessionCreateParams, idempotencyKey: string) {
  return retryRateLimited(() => stripe().checkout.sessions.create(request, { idempotencyKey }));
}

export function retrieveCheckoutSession(sessionId: string) {
  return stripe().checkout.sessions.retrieve(sessionId);
}

export function expireCheckoutSession(sessionId: string) {
  return stripe().checkout.sessions.expire(sessionId);
}

/** The payment behind a paid session, with its charge and the charge's balance transaction (Stripe's fee). */
export async function retrievePaymentDetails(paymentIntentId: string) {
  const intent = await stripe().paymentIntents.retrieve(paymentIntentId, {
    expand: ["latest_charge.balance_transaction"],
  });
  const charge = typeof intent.latest_charge === "object" ? intent.latest_charge : null;
  const balanceTransaction =
    charge && typeof charge.balance_transaction === "object" ? (charge.balance_transaction as Stripe.BalanceTransaction | null) : null;
  return {
    paymentIntentId: intent.id,
    chargeId: charge?.id ?? (typeof intent.latest_charge === "string" ? intent.latest_charge : null),
    transferId: charge && typeof charge.transfer === "string" ? charge.transfer : (charge?.transfer as Stripe.Transfer | null)?.id ?? null,
    applicationFeeAmount: intent.application_fee_amount ?? null,
    stripeFee: balanceTransaction?.fee ?? null,
  };
}
