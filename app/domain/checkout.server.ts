// Buying: from "Buy" to a Stripe Checkout Session, at most one open payment path per buyer and price.
import type { BillingInterval, CheckoutAttempt } from "#app/generated/prisma/client.ts";
import {
  createCheckoutSession,
  destinationSessionRequest,
  expireCheckoutSession,
  findCheckoutSession,
  retrieveCheckoutSession,
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
/** An open session is reused only while it has at least this long left. */
const REUSE_MARGIN_MS = 5 * 60 * 1000;

export async function startCheckout(input: {
  buyer: { id: string; email: string };
  productId: string;
  /** Memberships: which of the product's prices (monthly by default when it has one). */
  interval?: BillingInterval;
  appUrl: string;
  actor: AuditActor;
}): Promise<{ url: string; attemptId: string; reused: boolean }> {
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
  if (!product.creator.chargesEnabled || !product.creator.stripeAccountId)
    throw new DomainError(
      "creator_cannot_charge",
      "This creator can't accept payments right now. Please try again later.",
    );
  const creatorAccountId = product.creator.stripeAccountId;
  if (isMembership)
    await closeOtherMembershipCheckouts({
      buyerId: input.buyer.id,
      productId: product.id,
      keepPriceId: price.id,
      actor: input.actor,
    });

  const { attempt, reused } = await transaction(async (tx) => {
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
    const open = await tx.checkoutAttempt.findFirst({
      where: {
        buyerId: input.buyer.id,
        priceId: price.id,
        status: "OPEN",
        OR: [{ expiresAt: null }, { expiresAt: { gt: new Date(Date.now() + REUSE_MARGIN_MS) } }],
      },
      orderBy: { createdAt: "desc" },
    });
    if (open) return { attempt: open, reused: true };
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
  });

  if (attempt.checkoutUrl) return { url: attempt.checkoutUrl, attemptId: attempt.id, reused };
  const session = await openSession(attempt);
  return { url: session.url!, attemptId: attempt.id, reused };
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
 * One membership per buyer and product: starting Checkout for one plan closes the buyer's open Checkout for the
 * other plan, so the two can't both be paid. One that was paid meanwhile (its webhook not here yet) is fulfilled now,
 * so the "already a member" check sees it.
 */
async function closeOtherMembershipCheckouts(input: {
  buyerId: string;
  productId: string;
  keepPriceId: string;
  actor: AuditActor;
}) {
  const others = await db().checkoutAttempt.findMany({
    where: { buyerId: input.buyerId, productId: input.productId, status: "OPEN", priceId: { not: input.keepPriceId } },
  });
  for (const other of others) {
    if (other.stripeCheckoutSessionId) {
      try {
        await expireCheckoutSession(other.stripeCheckoutSessionId);
      } catch (error) {
        if (!isStripeFailure(error)) throw error;
        const session = await retrieveCheckoutSession(other.stripeCheckoutSessionId);
        if (session.status === "complete") {
          await fulfillCheckoutSession(session, { actor: input.actor });
          continue;
        }
        if (session.status === "open") throw error; // couldn't close it: don't open a second payment path
      }
    }
    await markAttemptExpired(other.id, input.actor, "checkout.replaced");
  }
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
