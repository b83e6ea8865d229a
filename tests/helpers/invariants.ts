// The invariants every fault scenario ends by checking: one order per paid Checkout Session (and per paid membership
// invoice), one entitlement granting access per paid item not fully refunded or lost, membership access matching the
// subscription, no order without a paid charge on Stripe, balances and rollups
// reconciled to the cent, and an audit row for every money event.
import { expect } from "vitest";
import { verifyRollups } from "#app/domain/revenue.server.ts";
import { db } from "#app/utils/db.server.ts";
import { emulatorClient } from "./stripe.ts";

export async function expectMarketplaceInvariants(
  stripeUrl: string,
  secretKey: string,
  /** `allowNoOrders`: for a caller where nothing is bought; otherwise an empty database fails (nothing was checked). */
  options: { allowNoOrders?: boolean } = {},
) {
  const stripe = emulatorClient(stripeUrl, secretKey);
  const orders = await db().order.findMany({
    include: { items: { include: { entitlement: true } }, refunds: true, disputes: true },
  });
  if (!options.allowNoOrders)
    expect(
      orders.length,
      "the scenario produced no orders, so the invariants below would check nothing",
    ).toBeGreaterThan(0);

  // One order per paid session, and every paid session of ours has its order.
  const sessions = new Set<string>();
  const purchases = orders.filter((order) => order.membershipId === null);
  for (const order of purchases) {
    expect(sessions.has(order.stripeCheckoutSessionId!), `two orders for ${order.stripeCheckoutSessionId}`).toBe(false);
    sessions.add(order.stripeCheckoutSessionId!);
  }
  for await (const session of stripe.checkout.sessions.list({ limit: 100 })) {
    if (session.mode === "subscription" && session.status === "complete" && session.client_reference_id) {
      const membership = await db().membership.count({
        where: { stripeSubscriptionId: session.subscription as string },
      });
      expect(membership, `completed subscription session ${session.id} has no membership`).toBe(1);
    } else if (session.payment_status === "paid" && session.client_reference_id)
      expect(sessions.has(session.id), `paid session ${session.id} has no order`).toBe(true);
  }

  // One order per paid membership invoice with an amount, and none for anything else.
  const invoiceOrders = new Map(orders.filter((o) => o.stripeInvoiceId).map((o) => [o.stripeInvoiceId!, o]));
  expect(invoiceOrders.size).toBe(orders.length - purchases.length);
  const memberships = await db().membership.findMany({ include: { entitlement: true } });
  for (const membership of memberships) {
    for await (const invoice of stripe.invoices.list({ subscription: membership.stripeSubscriptionId, limit: 100 })) {
      const paid = invoice.status === "paid" && invoice.amount_paid > 0;
      expect(invoiceOrders.has(invoice.id!), `invoice ${invoice.id} (${invoice.status}, ${invoice.amount_paid})`).toBe(
        paid,
      );
      if (paid) expect(invoiceOrders.get(invoice.id!)!.totalAmount).toBe(invoice.amount_paid);
    }
    // The mirror matches Stripe, and access matches the mirror.
    const subscription = await stripe.subscriptions.retrieve(membership.stripeSubscriptionId);
    expect(membership.status, `membership ${membership.id}`).toBe(subscription.status.toUpperCase());
    const expected =
      { TRIALING: "ACTIVE", ACTIVE: "ACTIVE", PAST_DUE: "GRACE", PAUSED: "PAUSED" }[membership.status as string] ??
      "ENDED";
    const disputed = (await db().order.count({ where: { membershipId: membership.id, status: "DISPUTED" } })) > 0;
    const access =
      disputed && expected !== "ENDED"
        ? "FROZEN"
        : membership.pausedCollection && expected === "ACTIVE"
          ? "PAUSED"
          : expected;
    expect(membership.entitlement?.status, `membership ${membership.id} access`).toBe(access);
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
    for (const item of order.membershipId ? [] : order.items) {
      expect(item.entitlement, `order #${order.number} item without entitlement`).not.toBeNull();
      const status = item.entitlement!.status;
      if (lost || fullyRefunded) expect(status).toBe("REVOKED");
      else if (open) expect(status).toBe("FROZEN");
      else expect(["ACTIVE", "RESTORED"]).toContain(status);
    }
  }

  // Each creator's connected balance equals what our orders say they should have.
  const creators = await db().creatorAccount.findMany({
    where: { stripeAccountId: { not: null } },
    include: { orders: { include: { disputes: true } } },
  });
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
      const onStripe = [...balance.available, ...balance.pending]
        .filter((b) => b.currency === currency)
        .reduce((s, b) => s + b.amount, 0);
      const paidOut = payouts.data
        .filter((p) => p.currency === currency && p.status !== "failed" && p.status !== "canceled")
        .reduce((s, p) => s + p.amount, 0);
      expect(onStripe + paidOut, `creator ${creator.id} ${currency} balance`).toBe(expected);
    }
  }

  // Rollups equal a recomputation from raw rows.
  expect(await verifyRollups(db())).toEqual([]);

  // The audit log has a row for every order and refund.
  for (const order of orders) {
    expect(
      await db().auditLog.count({ where: { action: "order.paid", entityId: order.id } }),
      `audit for order #${order.number}`,
    ).toBe(1);
    // Ours are audited when made; one made elsewhere (Stripe's dashboard) when recorded from Stripe.
    for (const refund of order.refunds)
      expect(
        await db().auditLog.count({
          where: { action: { in: ["refund.created", "refund.recorded_from_stripe"] }, entityId: refund.id },
        }),
        `audit for refund ${refund.id}`,
      ).toBe(1);
  }
}
