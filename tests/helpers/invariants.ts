// The invariants every fault scenario ends by checking: one order per paid Checkout Session, one entitlement granting
// access per paid item not fully refunded or lost, no order without a paid charge on Stripe, balances and rollups
// reconciled to the cent, and an audit row for every money event.
import { expect } from "vitest";
import { verifyRollups } from "#app/domain/revenue.server.ts";
import { db } from "#app/utils/db.server.ts";
import { emulatorClient } from "./stripe.ts";

export async function expectMarketplaceInvariants(stripeUrl: string, secretKey: string) {
  const stripe = emulatorClient(stripeUrl, secretKey);
  const orders = await db().order.findMany({ include: { items: { include: { entitlement: true } }, refunds: true, disputes: true } });

  // One order per paid session, and every paid session of ours has its order.
  const sessions = new Set<string>();
  for (const order of orders) {
    expect(sessions.has(order.stripeCheckoutSessionId!), `two orders for ${order.stripeCheckoutSessionId}`).toBe(false);
    sessions.add(order.stripeCheckoutSessionId!);
  }
  for await (const session of stripe.checkout.sessions.list({ limit: 100 })) {
    if (session.payment_status === "paid" && session.client_reference_id)
      expect(sessions.has(session.id), `paid session ${session.id} has no order`).toBe(true);
  }

  for (const order of orders) {
    // No order without a paid charge, with the same amount.
    const charge = await stripe.charges.retrieve(order.stripeChargeId!);
    expect(charge.paid && charge.status === "succeeded", `order #${order.number} has no paid charge`).toBe(true);
    expect(charge.amount).toBe(order.totalAmount);
    const settledRefunds = order.refunds.filter((r) => r.status === "SUCCEEDED").reduce((s, r) => s + r.amount, 0);
    const pending = order.refunds.some((r) => r.status === "PENDING");
    if (!pending) expect(charge.amount_refunded, `order #${order.number} refunds`).toBe(settledRefunds);
    // Access follows money.
    const lost = order.disputes.some((d) => d.outcome === "LOST");
    const open = order.disputes.some((d) => d.outcome === "OPEN");
    const fullyRefunded = !pending && settledRefunds >= order.totalAmount;
    for (const item of order.items) {
      expect(item.entitlement, `order #${order.number} item without entitlement`).not.toBeNull();
      const status = item.entitlement!.status;
      if (lost || fullyRefunded) expect(status).toBe("REVOKED");
      else if (open) expect(status).toBe("FROZEN");
      else expect(["ACTIVE", "RESTORED"]).toContain(status);
    }
  }

  // Each creator's connected balance equals what our orders say they should have.
  const creators = await db().creatorAccount.findMany({ where: { stripeAccountId: { not: null } }, include: { orders: { include: { disputes: true } } } });
  for (const creator of creators) {
    if (!creator.orders.length) continue;
    const byCurrency = new Map<string, number>();
    for (const order of creator.orders) {
      const owed = order.creatorAmount - order.transferReversedAmount + order.applicationFeeRefunded;
      byCurrency.set(order.currency, (byCurrency.get(order.currency) ?? 0) + owed);
    }
    const balance = await stripe.balance.retrieve({}, { stripeAccount: creator.stripeAccountId! });
    const payouts = await stripe.payouts.list({ limit: 100 }, { stripeAccount: creator.stripeAccountId! });
    for (const [currency, expected] of byCurrency) {
      const onStripe = [...balance.available, ...balance.pending].filter((b) => b.currency === currency).reduce((s, b) => s + b.amount, 0);
      const paidOut = payouts.data.filter((p) => p.currency === currency && p.status !== "failed" && p.status !== "canceled").reduce((s, p) => s + p.amount, 0);
      expect(onStripe + paidOut, `creator ${creator.id} ${currency} balance`).toBe(expected);
    }
  }

  // Rollups equal a recomputation from raw rows.
  expect(await verifyRollups(db())).toEqual([]);

  // The audit log has a row for every order and refund.
  for (const order of orders) {
    expect(await db().auditLog.count({ where: { action: "order.paid", entityId: order.id } }), `audit for order #${order.number}`).toBe(1);
    for (const refund of order.refunds)
      expect(await db().auditLog.count({ where: { action: "refund.created", entityId: refund.id } })).toBe(1);
  }
}
