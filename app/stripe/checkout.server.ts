// Stripe Checkout calls.
import { retryRateLimited, Stripe, stripe } from "./client.server.ts";

/**
 * A Checkout Session request as the app records it with a checkout attempt (JSON): built here by
 * `destinationSessionRequest` or `membershipSessionRequest`, then sent unchanged by `createCheckoutSession`, so every
 * retry asks Stripe for the same session. The domain stores and replays it without reading inside.
 */
export type RecordedSessionRequest = { readonly [field: string]: unknown };

/** Stripe's params for a request built here, back from its recorded form. */
const asParams = (request: RecordedSessionRequest) => request as Stripe.Checkout.SessionCreateParams;

/** The params as the record the app stores (the params are plain JSON: strings, numbers and nested objects). */
export const recorded = (params: Stripe.Checkout.SessionCreateParams) => params as RecordedSessionRequest;

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
export function destinationSessionRequest(input: DestinationCheckoutInput): RecordedSessionRequest {
  const metadata = {
    checkout_attempt_id: input.attemptId,
    buyer_id: input.buyerId,
    product_id: input.productId,
    creator_id: input.creatorId,
  };
  return recorded({
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
  });
}

/** A Checkout Session just created: where to send the buyer, and until when it can be paid. */
export interface OpenedCheckoutSession {
  id: string;
  url: string | null;
  expiresAt: Date | null;
}

/** Sends a recorded Checkout Session request; the same key with the same request always yields the same session. */
export async function createCheckoutSession(
  request: RecordedSessionRequest,
  idempotencyKey: string,
): Promise<OpenedCheckoutSession> {
  const session = await retryRateLimited(() =>
    stripe().checkout.sessions.create(asParams(request), { idempotencyKey }),
  );
  return {
    id: session.id,
    url: session.url,
    expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : null,
  };
}

/** What the app reads from a Checkout Session. */
export interface CheckoutSessionInfo {
  id: string;
  /** payment, setup or subscription */
  mode: string;
  /** open, complete or expired */
  status: string | null;
  /** paid, unpaid or no_payment_required */
  paymentStatus: string;
  /** Our checkout attempt's id, from the session request we recorded (client reference or metadata). */
  attemptId: string | null;
  paymentIntentId: string | null;
  /**
   * The payment intent's status when the session was read with it (`retrieveCheckoutSession`): `processing` while a
   * delayed (bank) payment settles; `requires_payment_method` once it failed. Null when not read (event payloads).
   */
  paymentIntentStatus: string | null;
  /** Why the payment intent's last payment failed, when read with it. */
  paymentFailureMessage: string | null;
  subscriptionId: string | null;
  currency: string | null;
  amountTotal: number | null;
  /** Seconds since the epoch. */
  created: number | null;
  /** The email the buyer gave on Checkout, else the one we sent. */
  customerEmail: string | null;
}

const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === "string" ? value : (value?.id ?? null);

export function checkoutSessionFrom(session: Stripe.Checkout.Session): CheckoutSessionInfo {
  return {
    id: session.id,
    mode: session.mode,
    status: session.status,
    paymentStatus: session.payment_status,
    attemptId: session.client_reference_id ?? session.metadata?.checkout_attempt_id ?? null,
    paymentIntentId: idOf(session.payment_intent),
    paymentIntentStatus: typeof session.payment_intent === "object" ? (session.payment_intent?.status ?? null) : null,
    paymentFailureMessage:
      typeof session.payment_intent === "object" ? (session.payment_intent?.last_payment_error?.message ?? null) : null,
    subscriptionId: idOf(session.subscription),
    currency: session.currency ?? null,
    amountTotal: session.amount_total ?? null,
    created: session.created ?? null,
    customerEmail: session.customer_details?.email ?? session.customer_email ?? null,
  };
}

/** A failed payment on one of our Checkout attempts' payment intents. */
export interface PaymentFailure {
  paymentIntentId: string;
  attemptId: string | null;
  amount: number;
  currency: string;
  message: string | null;
  code: string | null;
}

export function paymentFailureFrom(intent: Stripe.PaymentIntent): PaymentFailure {
  return {
    paymentIntentId: intent.id,
    attemptId: intent.metadata?.checkout_attempt_id || null,
    amount: intent.amount,
    currency: intent.currency,
    message: intent.last_payment_error?.message ?? null,
    code: intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code ?? null,
  };
}

/** The session as it is now, with its payment intent's status (a delayed payment may be processing or failed). */
export async function retrieveCheckoutSession(sessionId: string): Promise<CheckoutSessionInfo> {
  return checkoutSessionFrom(await stripe().checkout.sessions.retrieve(sessionId, { expand: ["payment_intent"] }));
}

/** The session, or null when Stripe has no session with this id (or refuses to read it). */
export async function findCheckoutSession(sessionId: string): Promise<CheckoutSessionInfo | null> {
  try {
    return await retrieveCheckoutSession(sessionId);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError) return null;
    throw error;
  }
}

export function expireCheckoutSession(sessionId: string) {
  return stripe().checkout.sessions.expire(sessionId);
}

/** What has happened to a charge since it was paid: how much is refunded, and whether it was disputed. */
export async function retrieveChargeState(chargeId: string) {
  const charge = await stripe().charges.retrieve(chargeId);
  return { amountRefunded: charge.amount_refunded, disputed: charge.disputed };
}

/** The Checkout attempt a charge paid for (from its payment intent's metadata), or null for a charge not from ours. */
export async function checkoutAttemptOfCharge(chargeId: string): Promise<string | null> {
  const charge = await stripe().charges.retrieve(chargeId, { expand: ["payment_intent"] });
  const intent = typeof charge.payment_intent === "object" ? charge.payment_intent : null;
  return intent?.metadata?.checkout_attempt_id || charge.metadata?.checkout_attempt_id || null;
}

/** The payment behind a paid session, with its charge and the charge's balance transaction (Stripe's fee). */
export async function retrievePaymentDetails(paymentIntentId: string) {
  const intent = await stripe().paymentIntents.retrieve(paymentIntentId, {
    expand: ["latest_charge.balance_transaction"],
  });
  const charge = typeof intent.latest_charge === "object" ? intent.latest_charge : null;
  const balanceTransaction =
    charge && typeof charge.balance_transaction === "object"
      ? (charge.balance_transaction as Stripe.BalanceTransaction | null)
      : null;
  return {
    paymentIntentId: intent.id,
    chargeId: charge?.id ?? (typeof intent.latest_charge === "string" ? intent.latest_charge : null),
    transferId:
      charge && typeof charge.transfer === "string"
        ? charge.transfer
        : ((charge?.transfer as Stripe.Transfer | null)?.id ?? null),
    applicationFeeAmount: intent.application_fee_amount ?? null,
    stripeFee: balanceTransaction?.fee ?? null,
  };
}
