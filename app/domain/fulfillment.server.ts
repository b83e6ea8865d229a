// Fulfillment: a paid Checkout Session becomes exactly one order, its items and entitlements, in one transaction.
// Called from the `checkout.session.completed` and `checkout.session.async_payment_succeeded` webhooks and from the
// success page; whichever comes first does the work, the others find the order. Once the order exists it is brought
// to Stripe's current state (refunds and disputes that happened before it existed), and a second payment for a
// product the buyer already owns is recorded without access and refunded.
import { retrieveChargeState, retrievePaymentDetails, type CheckoutSessionInfo } from "#app/stripe/checkout.server.ts";
import { chargeDisputes } from "#app/stripe/disputes.server.ts";
import { db, lockUser, transaction } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { syncStripeDispute } from "./disputes.server.ts";
import { ACCESS_GRANTING } from "./entitlements.server.ts";
import { queueReceipt } from "./email/messages.server.ts";
import { duplicatePaymentRefundKey, queueNewSaleEmail } from "./email/money-messages.server.ts";
import { isDomainError } from "./errors.ts";
import { recordInvoicePayment, syncMembership } from "./memberships.server.ts";
import { applyChargeRefunds } from "./refund-events.server.ts";
import { refundOrder, submitRefundToStripe } from "./refunds.server.ts";
import { rollupSale } from "./revenue.server.ts";
import { raiseStaffAlert } from "./staff-alerts.server.ts";

/** The entitlement status reason of a duplicate payment's item: recorded, never granting, refunded. */
export const DUPLICATE_PAYMENT = "order.duplicate_payment";

export type FulfillmentResult =
  | { status: "fulfilled" | "already_fulfilled"; orderId: string; orderNumber: number }
  | { status: "membership_started"; membershipId: string }
  | { status: "not_paid" | "unknown_session" };

export function attemptIdOf(session: CheckoutSessionInfo) {
  return session.attemptId;
}

export async function fulfillCheckoutSession(
  session: CheckoutSessionInfo,
  options: { actor: AuditActor },
): Promise<FulfillmentResult> {
  const attemptId = attemptIdOf(session);
  if (!attemptId) return { status: "unknown_session" };
  if (session.mode === "subscription") return startMembership(session, options.actor);
  if (session.paymentStatus !== "paid" || session.status !== "complete") return { status: "not_paid" };
  // A session we never created (another integration on the same Stripe account): acknowledge, touch nothing.
  if (!(await db().checkoutAttempt.count({ where: { id: attemptId } }))) return { status: "unknown_session" };
  const paymentIntentId = session.paymentIntentId;
  if (!paymentIntentId) throw new Error(`Paid session ${session.id} has no payment intent`);
  // Network first, never while holding a lock.
  const payment = await retrievePaymentDetails(paymentIntentId);

  const result = await transaction(async (tx) => {
    const { buyerId } = await tx.checkoutAttempt.findUniqueOrThrow({
      where: { id: attemptId },
      select: { buyerId: true },
    });
    // One buyer's fulfillments run one at a time, so two paid sessions for one product can't both grant access.
    await lockUser(tx, buyerId);
    const [attempt] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "checkout_attempts" WHERE id = ${attemptId} FOR UPDATE`;
    if (!attempt) return { status: "unknown_session" } as const;
    const existing = await tx.order.findUnique({ where: { checkoutAttemptId: attemptId } });
    if (existing) return { status: "already_fulfilled", orderId: existing.id, orderNumber: existing.number } as const;

    const full = await tx.checkoutAttempt.findUniqueOrThrow({
      where: { id: attemptId },
      include: { product: { select: { title: true } }, buyer: { select: { email: true } } },
    });
    // The buyer already owns the product (a second session paid): record the payment, grant nothing, refund it.
    const owned = await tx.entitlement.findFirst({
      where: {
        userId: full.buyerId,
        productId: full.productId,
        orderId: { not: null },
        status: { in: ACCESS_GRANTING },
      },
      include: { order: { select: { id: true, number: true } } },
    });
    const currency = session.currency ?? full.currency;
    const totalAmount = session.amountTotal ?? full.amount;
    const applicationFeeAmount = payment.applicationFeeAmount ?? full.applicationFeeAmount;
    const sessionCreatedAt = new Date((session.created ?? Math.floor(Date.now() / 1000)) * 1000);
    const now = new Date();

    const order = await tx.order.create({
      data: {
        buyerId: full.buyerId,
        creatorId: full.creatorId,
        checkoutAttemptId: full.id,
        buyerEmail: session.customerEmail ?? full.buyer.email,
        currency,
        totalAmount,
        applicationFeeAmount,
        creatorAmount: totalAmount - applicationFeeAmount,
        stripeFeeAmount: payment.stripeFee,
        stripeCheckoutSessionId: session.id,
        stripePaymentIntentId: payment.paymentIntentId,
        stripeChargeId: payment.chargeId,
        stripeTransferId: payment.transferId,
        paidAt: now,
        items: {
          create: {
            productId: full.productId,
            priceId: full.priceId,
            productTitle: full.product.title,
            quantity: 1,
            unitAmount: full.amount,
            amount: totalAmount,
            currency,
            applicationFeeAmount,
            feeBps: full.feeBps,
          },
        },
      },
      include: { items: true },
    });
    for (const item of order.items) {
      const entitlement = await tx.entitlement.create({
        data: {
          userId: order.buyerId,
          productId: item.productId,
          orderId: order.id,
          orderItemId: item.id,
          ...(owned ? { status: "REVOKED", statusReason: DUPLICATE_PAYMENT } : {}),
        },
      });
      if (!owned)
        await audit(tx, {
          actor: options.actor,
          action: "entitlement.granted",
          entityType: "entitlement",
          entityId: entitlement.id,
          orderId: order.id,
          data: { productId: item.productId, status: "ACTIVE", cause: "order.paid" },
        });
    }
    await tx.checkoutAttempt.update({ where: { id: full.id }, data: { status: "COMPLETED" } });
    await rollupSale(tx, order);
    await audit(tx, {
      actor: options.actor,
      action: "order.paid",
      entityType: "order",
      entityId: order.id,
      orderId: order.id,
      amount: totalAmount,
      currency,
      data: {
        orderNumber: order.number,
        applicationFee: applicationFeeAmount,
        creatorAmount: order.creatorAmount,
        stripeFee: payment.stripeFee,
        checkoutSessionId: session.id,
        paymentIntentId: payment.paymentIntentId,
        chargeId: payment.chargeId,
        sessionCreatedAt: sessionCreatedAt.toISOString(),
      },
    });
    // The receipt goes with the order: written in this transaction, so it exists exactly when the order does. A
    // duplicate payment gets no receipt for access it does not give (it is refunded).
    if (!owned) await queueReceipt(tx, order.id);
    // The creator's new-sale notice likewise (optional; a duplicate payment is no sale: it is refunded). The buyer of a
    // duplicate payment hears of it when its refund succeeds ("we refunded your second payment", refunds.server.ts).
    if (!owned) await queueNewSaleEmail(tx, order.id);
    if (owned) {
      await audit(tx, {
        actor: options.actor,
        action: DUPLICATE_PAYMENT,
        entityType: "order",
        entityId: order.id,
        orderId: order.id,
        amount: totalAmount,
        currency,
        data: {
          productId: full.productId,
          ownedThroughOrderId: owned.order?.id ?? null,
          ownedThroughOrderNumber: owned.order?.number ?? null,
          checkoutSessionId: session.id,
        },
      });
      await raiseStaffAlert(
        {
          kind: "duplicate_payment_refunded",
          message:
            `Order #${order.number} paid ${totalAmount} ${currency} for "${full.product.title}", which the buyer ` +
            `already owns through order #${owned.order?.number ?? "?"}. No access was granted; the payment is ` +
            "refunded in full automatically.",
          dedupeKey: `duplicate:${session.id}`,
          orderId: order.id,
        },
        tx,
      );
    }
    return { status: "fulfilled", orderId: order.id, orderNumber: order.number } as const;
  });
  if (result.status === "fulfilled" || result.status === "already_fulfilled")
    await afterOrderRecorded(result.orderId, options.actor);
  return result;
}

/**
 * Brings a just-recorded order to Stripe's current state, then refunds it if it is a duplicate payment. Both steps are
 * idempotent and run again on every fulfillment call (a retried webhook, the success page), so a crash between the
 * order's commit and here is repaired by the next call.
 */
async function afterOrderRecorded(orderId: string, actor: AuditActor) {
  const order = await db().order.findUniqueOrThrow({ where: { id: orderId } });
  if (order.stripeChargeId) await applyChargeState(order.stripeChargeId, actor);
  if (await db().entitlement.count({ where: { orderId, statusReason: DUPLICATE_PAYMENT } }))
    await refundDuplicatePayment(orderId, actor);
}

/**
 * Refunds and disputes made on the charge before its order existed (in Stripe's dashboard, say) were acknowledged with
 * nothing to apply them to: read them from Stripe now and apply them as their events would have.
 */
async function applyChargeState(chargeId: string, actor: AuditActor) {
  const charge = await retrieveChargeState(chargeId);
  if (charge.amountRefunded > 0) await applyChargeRefunds(chargeId, actor);
  if (charge.disputed)
    for await (const dispute of chargeDisputes(chargeId))
      await syncStripeDispute(dispute, { actor, observedAt: new Date() });
}

/** The whole remaining amount back to the buyer, reversing the creator's transfer and the platform's fee. */
async function refundDuplicatePayment(orderId: string, actor: AuditActor) {
  const requestKey = duplicatePaymentRefundKey(orderId);
  const existing = await db().refund.findUnique({ where: { requestKey } });
  if (existing) {
    // Recorded but never answered by Stripe: send it again (same idempotency key, same refund).
    await submitRefundToStripe(existing.id);
    return;
  }
  const order = await db().order.findUniqueOrThrow({ where: { id: orderId } });
  const remainder = order.totalAmount - order.refundedAmount;
  if (remainder <= 0) return;
  try {
    await refundOrder({
      orderId,
      amount: remainder,
      reason: "duplicate",
      note: "Automatic refund: the buyer already owned this product when this payment was made.",
      reverseTransfer: true,
      refundApplicationFee: true,
      balancePolicy: "reverse_anyway",
      requestKey,
      actor,
    });
  } catch (error) {
    // Disputed before we could refund it: the card network decides the money now; the staff alert says what happened.
    if (isDomainError(error, "disputed", "amount_above_remainder")) return;
    throw error;
  }
}

/** A completed subscription-mode session: the membership is the subscription's mirror; its invoices become orders. */
async function startMembership(session: CheckoutSessionInfo, actor: AuditActor): Promise<FulfillmentResult> {
  const subscriptionId = session.subscriptionId;
  if (session.status !== "complete" || !subscriptionId) return { status: "not_paid" };
  const synced = await syncMembership(subscriptionId, actor);
  if (synced.status !== "synced") return { status: "unknown_session" };
  // The first invoice (none with a trial, or $0) becomes the first order now, whether or not its webhook came yet.
  if (synced.latestInvoiceId) await recordInvoicePayment(synced.latestInvoiceId, actor, synced);
  return { status: "membership_started", membershipId: synced.membershipId };
}
