// Buying: from "Buy" to a Stripe Checkout Session, at most one open payment path per buyer and product, whatever its
// price: every other session of the buyer's for the product is expired through Stripe before a new one opens.
import type { BillingInterval, CheckoutAttempt } from "#app/generated/prisma/client.ts";
import {
  createCheckoutSession,
  destinationSessionRequest,
  expireCheckoutSession,
  findCheckoutSession,
  retrieveCheckoutSession,
  type CheckoutSessionInfo,
  type PaymentFailure,
  type RecordedSessionRequest,
} from "#app/stripe/checkout.server.ts";
import { membershipSessionRequest } from "#app/stripe/memberships.server.ts";
import { randomUUID } from "node:crypto";
import { db, lockUser, Prisma, transaction } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { currentFeeRate } from "./creators.server.ts";
import { DomainError } from "./errors.ts";
import { ACCESS_GRANTING } from "./entitlements.server.ts";
import { applicationFee } from "./fees.ts";
import { attemptIdOf, fulfillCheckoutSession } from "./fulfillment.server.ts";
import { ensureMembershipStripePrices, listMemberships, LIVE_MEMBERSHIP } from "./memberships.server.ts";
import { orderForCheckoutSession } from "./orders.server.ts";
import { isStripeFailure, isStripeRefusal } from "./stripe-errors.server.ts";

/** How long a Checkout Session stays payable (Stripe allows 30 minutes to 24 hours). */
export const CHECKOUT_LIFETIME_MS = 60 * 60 * 1000;
/** Rounds of "close the others, then open under the lock" before a Buy racing other Buys gives up. */
const CLOSE_ROUNDS = 3;

/** The price a buyer is about to pay: an attempt is reused only for exactly this price, amount and currency. */
interface PriceToPay {
  id: string;
  amount: number;
  currency: string;
}

const reusableFor = (price: PriceToPay, now: Date) => (attempt: CheckoutAttempt) =>
  attempt.status === "OPEN" &&
  attempt.priceId === price.id &&
  attempt.amount === price.amount &&
  attempt.currency === price.currency &&
  (attempt.expiresAt === null || attempt.expiresAt > now);

interface CheckoutInput {
  buyer: { id: string; email: string };
  productId: string;
  /** Memberships: which of the product's prices (monthly by default when it has one). */
  interval?: BillingInterval;
  appUrl: string;
  actor: AuditActor;
}

export async function startCheckout(
  input: CheckoutInput,
): Promise<{ url: string; attemptId: string; reused: boolean }> {
  const toBuy = await productToBuy(input);
  for (let round = 1; ; round++) {
    await closeOtherCheckouts({
      buyerId: input.buyer.id,
      productId: toBuy.product.id,
      price: toBuy.price,
      actor: input.actor,
    });
    const found = await transaction((tx) => findOrCreateAttempt(tx, input, toBuy));
    if (found) {
      const { attempt, reused } = found;
      if (attempt.checkoutUrl) return { url: attempt.checkoutUrl, attemptId: attempt.id, reused };
      const session = await openSession(attempt);
      return { url: session.url!, attemptId: attempt.id, reused };
    }
    if (round >= CLOSE_ROUNDS)
      throw new DomainError("busy", "Another checkout for this product is starting. Please try again in a moment.");
  }
}

/** The product and the price the buyer would pay now, or the reason they can't buy it. */
async function productToBuy(input: CheckoutInput) {
  const findProduct = () =>
    db().product.findUnique({
      where: { id: input.productId },
      include: {
        creator: true,
        prices: { where: { active: true }, orderBy: { createdAt: "desc" } },
      },
    });
  let product = await findProduct();
  if (!product) throw new DomainError("not_found", "That product doesn't exist.", { status: 404 });
  const isMembership = product.kind === "MEMBERSHIP";
  if (isMembership && product.published && product.prices.some((p) => !p.stripePriceId)) {
    // Prices are created in Stripe when saved; one that failed then is created now.
    await ensureMembershipStripePrices(product.id);
    product = (await findProduct())!;
  }
  const price = isMembership
    ? (product.prices.find((p) => p.interval === (input.interval ?? "MONTH")) ??
      (input.interval ? undefined : product.prices.find((p) => p.interval !== null)))
    : product.prices.find((p) => p.interval === null);
  if (!product.published || !price) throw new DomainError("unpublished", "This product isn't for sale right now.");
  if (product.creator.userId === input.buyer.id)
    throw new DomainError("own_product", "This is your own product — you can't buy it.");
  const creatorAccountId = product.creator.stripeAccountId;
  if (!product.creator.chargesEnabled || !creatorAccountId)
    throw new DomainError(
      "creator_cannot_charge",
      "This creator can't accept payments right now. Please try again later.",
    );
  return { product, price, isMembership, creatorAccountId };
}

/**
 * Under the buyer's lock: refuses what they already own, reuses their open attempt at this very price, or records a
 * new one. Null when another attempt for the product is open (a concurrent Buy at another price): the caller closes
 * it through Stripe, outside the lock, and comes back.
 */
async function findOrCreateAttempt(
  tx: Prisma.TransactionClient,
  input: CheckoutInput,
  { product, price, isMembership, creatorAccountId }: Awaited<ReturnType<typeof productToBuy>>,
): Promise<{ attempt: CheckoutAttempt; reused: boolean } | null> {
  // One buyer's purchases run one at a time, so a double click or a second tab finds the first attempt.
  await lockUser(tx, input.buyer.id);
  const memberships = isMembership
    ? await tx.membership.findMany({ where: { buyerId: input.buyer.id, productId: product.id } })
    : [];
  if (memberships.some((m) => LIVE_MEMBERSHIP.includes(m.status)))
    throw new DomainError("already_owned", "You're already a member. Manage your membership from your library.");
  const owned = isMembership
    ? 0
    : await tx.entitlement.count({
        where: { userId: input.buyer.id, productId: product.id, status: { in: ACCESS_GRANTING } },
      });
  if (owned) throw new DomainError("already_owned", "You already own this product. Find it in your library.");
  const open = await tx.checkoutAttempt.findMany({
    where: { buyerId: input.buyer.id, productId: product.id, status: "OPEN" },
    orderBy: { createdAt: "desc" },
  });
  const reusable = open.find(reusableFor(price, new Date()));
  if (reusable && open.length === 1) return { attempt: reusable, reused: true };
  if (open.length) return null;

  const rate = await currentFeeRate(tx, product.creator);
  const attemptId = randomUUID();
  const fee = applicationFee(price.amount, rate.bps);
  const expiresAt = new Date(Date.now() + CHECKOUT_LIFETIME_MS);
  const buyer = await tx.user.findUniqueOrThrow({
    where: { id: input.buyer.id },
    select: { stripeCustomerId: true },
  });
  const successUrl = `${input.appUrl}/checkout/success?session_id={CHECKOUT_SESSION_ID}`;
  const cancelUrl = `${input.appUrl}/checkout/cancel?attempt=${attemptId}`;
  const sessionRequest = isMembership
    ? membershipSessionRequest({
        attemptId,
        buyerId: input.buyer.id,
        buyerEmail: input.buyer.email,
        stripeCustomerId: buyer.stripeCustomerId,
        productId: product.id,
        priceId: price.id,
        creatorId: product.creatorId,
        stripePriceId: price.stripePriceId!,
        destinationAccountId: creatorAccountId,
        applicationFeePercent: rate.bps / 100,
        // One free trial per buyer and membership.
        trialDays: memberships.length === 0 ? product.trialDays : null,
        expiresAt,
        successUrl,
        cancelUrl,
      })
    : destinationSessionRequest({
        attemptId,
        buyerId: input.buyer.id,
        buyerEmail: input.buyer.email,
        productId: product.id,
        productTitle: product.title,
        creatorId: product.creatorId,
        destinationAccountId: creatorAccountId,
        amount: price.amount,
        currency: price.currency,
        applicationFeeAmount: fee,
        expiresAt,
        successUrl,
        cancelUrl,
      });
  const created = await tx.checkoutAttempt.create({
    data: {
      id: attemptId,
      buyerId: input.buyer.id,
      creatorId: product.creatorId,
      productId: product.id,
      priceId: price.id,
      amount: price.amount,
      currency: price.currency,
      feeBps: rate.bps,
      applicationFeeAmount: fee,
      expiresAt,
      sessionRequest: sessionRequest as Prisma.InputJsonObject,
    },
  });
  await audit(tx, {
    actor: input.actor,
    action: "checkout.started",
    entityType: "checkout_attempt",
    entityId: created.id,
    amount: created.amount,
    currency: created.currency,
    data: {
      productId: product.id,
      feeBps: rate.bps,
      feeSource: rate.source,
      applicationFee: created.applicationFeeAmount,
    },
  });
  return { attempt: created, reused: false };
}

/**
 * Sends the attempt's recorded Checkout Session request. The idempotency key is the attempt's id and the request is
 * the one stored with the attempt, so every retry (stripe-node's own, a double click, a second tab, another app
 * process) gets the one same session.
 */
async function openSession(attempt: CheckoutAttempt) {
  let session;
  try {
    session = await createCheckoutSession(
      attempt.sessionRequest as RecordedSessionRequest,
      `checkout-attempt-${attempt.id}`,
    );
  } catch (error) {
    // A request Stripe refused for good will be refused the same way on replay: close the attempt. Network errors,
    // 429s and 5xx leave it open, so the next click replays the same idempotency key.
    if (isStripeRefusal(error)) {
      await db().checkoutAttempt.update({
        where: { id: attempt.id },
        data: { status: "FAILED", failureMessage: error.message.slice(0, 500) },
      });
    }
    throw error;
  }
  await db().checkoutAttempt.update({
    where: { id: attempt.id },
    data: {
      stripeCheckoutSessionId: session.id,
      checkoutUrl: session.url,
      expiresAt: session.expiresAt ?? attempt.expiresAt,
    },
  });
  return session;
}

/**
 * At most one open payment path per buyer and product, whatever its price: before Buy reuses or opens a session,
 * every other open attempt of the buyer's for the product is expired through Stripe (so it can't be paid later), and
 * the one at this very price is checked with Stripe before it is reused. A session that was paid meanwhile (its
 * webhook not here yet) is fulfilled now, so the "already owned" check sees it; one whose delayed (bank) payment is
 * still processing stops this Buy; one whose delayed payment failed is closed as failed.
 */
async function closeOtherCheckouts(input: {
  buyerId: string;
  productId: string;
  price: PriceToPay;
  actor: AuditActor;
}) {
  const open = await db().checkoutAttempt.findMany({
    where: { buyerId: input.buyerId, productId: input.productId, status: "OPEN" },
    orderBy: { createdAt: "desc" },
  });
  const reusable = open.find(reusableFor(input.price, new Date()));
  for (const attempt of open) {
    if (attempt === reusable) {
      // No session yet (its creation never answered): reusing it replays the same request and idempotency key.
      if (!attempt.stripeCheckoutSessionId) continue;
      const session = await retrieveCheckoutSession(attempt.stripeCheckoutSessionId);
      if (session.status !== "open") await settleClosedSession(attempt, session, input.actor);
      continue;
    }
    await closeAttempt(attempt, input.actor);
  }
}

/** Expires an attempt's session through Stripe and closes the attempt; a session that can't be expired is settled. */
async function closeAttempt(attempt: CheckoutAttempt, actor: AuditActor) {
  let sessionId = attempt.stripeCheckoutSessionId;
  if (!sessionId) {
    // Its creation never answered, yet Stripe may have made it: the same request and key name that session (or a
    // request Stripe now refuses, which closes the attempt as failed).
    try {
      sessionId = (await openSession(attempt)).id;
    } catch (error) {
      if (isStripeRefusal(error)) return;
      throw error;
    }
  }
  try {
    await expireCheckoutSession(sessionId);
  } catch (error) {
    if (!isStripeFailure(error)) throw error;
    const session = await retrieveCheckoutSession(sessionId);
    if (session.status === "open") throw error; // couldn't close it: don't open a second payment path
    await settleClosedSession(attempt, session, actor);
    return;
  }
  await markAttemptExpired(attempt.id, actor, "checkout.replaced");
}

/** An open attempt whose session Stripe no longer holds open: fulfilled, processing, failed or expired. */
async function settleClosedSession(attempt: CheckoutAttempt, session: CheckoutSessionInfo, actor: AuditActor) {
  if (session.status === "expired") return markAttemptExpired(attempt.id, actor);
  if (session.status !== "complete") return;
  if (session.mode === "subscription" || session.paymentStatus !== "unpaid") {
    await fulfillCheckoutSession(session, { actor });
    return;
  }
  if (session.paymentIntentStatus === "processing")
    throw new DomainError(
      "payment_processing",
      "Your bank payment for this product is still being processed. We'll add it to your library as soon as it clears; if it fails you can buy again.",
    );
  await recordAsyncPaymentFailure(session, actor);
}

/** The buyer's own checkout attempt with its product's slug and title, or null (another buyer's reads as none). */
export async function findCheckoutAttempt(input: { buyerId: string; attemptId: string }) {
  return db().checkoutAttempt.findFirst({
    where: { id: input.attemptId, buyerId: input.buyerId },
    include: { product: { select: { slug: true, title: true } } },
  });
}

/** The buyer left Checkout: close the session so it can't be paid later, and the attempt with it. */
export async function cancelCheckout(input: { buyerId: string; attemptId: string; actor: AuditActor }) {
  const attempt = await findCheckoutAttempt(input);
  if (!attempt) return null;
  if (attempt.status === "OPEN" && attempt.stripeCheckoutSessionId) {
    try {
      await expireCheckoutSession(attempt.stripeCheckoutSessionId);
    } catch (error) {
      // Already paid (another tab) or already expired: the webhook or the success page tells the truth.
      if (!isStripeFailure(error)) throw error;
      return attempt;
    }
  }
  if (attempt.status === "OPEN") await markAttemptExpired(attempt.id, input.actor, "checkout.canceled");
  return attempt;
}

/** A payment on one of our attempts failed: the buyer can retry on the same session, so the attempt stays open. */
export async function recordPaymentFailure(failure: PaymentFailure, actor: AuditActor) {
  const { attemptId } = failure;
  if (!attemptId) return;
  const message = failure.message ?? "The payment failed.";
  await transaction(async (tx) => {
    // We keep the latest failure.
    const { count } = await tx.checkoutAttempt.updateMany({
      where: { id: attemptId, status: "OPEN" },
      data: { failureMessage: message.slice(0, 500) },
    });
    if (count)
      await audit(tx, {
        actor,
        action: "checkout.payment_failed",
        entityType: "checkout_attempt",
        entityId: attemptId,
        amount: failure.amount,
        currency: failure.currency,
        data: { paymentIntentId: failure.paymentIntentId, code: failure.code },
      });
  });
}

/**
 * A delayed (bank) payment failed after Checkout completed (`checkout.session.async_payment_failed`): the session
 * can't be paid again, so the attempt closes as failed with the bank's reason and the buyer can start again.
 */
export async function recordAsyncPaymentFailure(session: CheckoutSessionInfo, actor: AuditActor) {
  const { attemptId } = session;
  if (!attemptId) return;
  // The event's payload doesn't carry the payment's state: read the session with its payment intent as it is now.
  const current = session.paymentIntentStatus ? session : await retrieveCheckoutSession(session.id);
  const failed =
    current.paymentIntentStatus === "requires_payment_method" || current.paymentIntentStatus === "canceled";
  if (current.paymentStatus !== "unpaid" || !failed) return;
  const message = current.paymentFailureMessage ?? "The bank payment failed.";
  await transaction(async (tx) => {
    const { count } = await tx.checkoutAttempt.updateMany({
      where: { id: attemptId, status: "OPEN" },
      data: { status: "FAILED", failureMessage: message.slice(0, 500) },
    });
    if (count)
      await audit(tx, {
        actor,
        action: "checkout.async_payment_failed",
        entityType: "checkout_attempt",
        entityId: attemptId,
        amount: current.amountTotal,
        currency: current.currency,
        data: { checkoutSessionId: current.id, paymentIntentId: current.paymentIntentId },
      });
  });
}

export async function markAttemptExpired(attemptId: string, actor: AuditActor, action = "checkout.expired") {
  await transaction(async (tx) => {
    const { count } = await tx.checkoutAttempt.updateMany({
      where: { id: attemptId, status: "OPEN" },
      data: { status: "EXPIRED" },
    });
    if (count) await audit(tx, { actor, action, entityType: "checkout_attempt", entityId: attemptId });
  });
}

export type CheckoutConfirmation =
  | { state: "not_found" }
  | { state: "processing" }
  | { state: "paid"; order: NonNullable<Awaited<ReturnType<typeof orderForCheckoutSession>>> }
  | { state: "member"; membership: Awaited<ReturnType<typeof listMemberships>>[number] | null };

/**
 * What a buyer back from Checkout (the success page) bought: the order the session became or, when the webhook has
 * not arrived yet, the session read from Stripe and fulfilled through the same idempotent path as the webhook. A
 * membership's session has no order of its own (its invoices do): the membership is what to show. A session that
 * doesn't exist or isn't the buyer's is not found.
 */
export async function confirmCheckout(input: {
  buyerId: string;
  sessionId: string;
  actor: AuditActor;
}): Promise<CheckoutConfirmation> {
  const scope = { buyerId: input.buyerId, sessionId: input.sessionId };
  const order = await orderForCheckoutSession(scope);
  if (order) return { state: "paid", order };
  const session = await findCheckoutSession(input.sessionId);
  const attemptId = session ? attemptIdOf(session) : null;
  const attempt = attemptId
    ? await db().checkoutAttempt.findUnique({ where: { id: attemptId }, select: { buyerId: true } })
    : null;
  if (!session || !attempt || attempt.buyerId !== input.buyerId) return { state: "not_found" };
  // A membership exists once the webhook came; if not yet, fulfilling starts it from Stripe's state, as the webhook would.
  const result = await fulfillCheckoutSession(session, { actor: input.actor });
  if (result.status === "not_paid") return { state: "processing" };
  if (result.status === "membership_started") {
    const membership = (await listMemberships(input.buyerId)).find((m) => m.id === result.membershipId) ?? null;
    return { state: "member", membership };
  }
  const fulfilled = await orderForCheckoutSession(scope);
  return fulfilled ? { state: "paid", order: fulfilled } : { state: "not_found" };
}
