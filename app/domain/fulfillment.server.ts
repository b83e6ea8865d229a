// Fulfillment: a paid Checkout Session becomes exactly one order, its items and entitlements, in one transaction.
// Called from the `checkout.session.completed` webhook and from the success page; whichever comes first does the
// work, the other finds the order.
import { retrievePaymentDetails, type CheckoutSessionInfo } from "#app/stripe/checkout.server.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { recordInvoicePayment, syncMembership } from "./memberships.server.ts";
import { rollupSale } from "./revenue.server.ts";

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

  return transaction(async (tx) => {
    const [attempt] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "checkout_attempts" WHERE id = ${attemptId} FOR UPDATE`;
    if (!attempt) return { status: "unknown_session" } as const;
    const existing = await tx.order.findUnique({ where: { checkoutAttemptId: attemptId } });
    if (existing) return { status: "already_fulfilled", orderId: existing.id, orderNumber: existing.number } as const;

    const full = await tx.checkoutAttempt.findUniqueOrThrow({
      where: { id: attemptId },
      include: { product: { select: { title: true } }, buyer: { select: { email: true } } },
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
        data: { userId: order.buyerId, productId: item.productId, orderId: order.id, orderItemId: item.id },
      });
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
    return { status: "fulfilled", orderId: order.id, orderNumber: order.number } as const;
  });
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
