// The marketplace invariants, for scripts (bench:chaos) and tests (tests/helpers/invariants.ts asserts that this finds
// none): one order per paid Checkout Session (and per paid membership invoice), one entitlement granting access per
// paid item not fully refunded or lost, membership access matching the subscription, no order without a paid charge
// on Stripe, an order's refunded total the sum of its pending and succeeded refunds, balances and rollups reconciled
// to the cent, and an audit row for every money event. Returns every failure as a sentence instead of throwing at the
// first. Reads our database through the app's client (`db()`, DATABASE_URL) and Stripe through `stripe`.
import type Stripe from "stripe";
import { verifyRollups } from "../../app/domain/revenue.server.ts";
import { db } from "../../app/utils/db.server.ts";

export async function marketplaceViolations(
  stripe: Stripe,
  /** `allowNoOrders`: for a caller where nothing is bought; otherwise an empty database fails (nothing was checked). */
  options: { allowNoOrders?: boolean } = {},
): Promise<string[]> {
  const violations: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) violations.push(message);
  };
  const orders = await db().order.findMany({
    include: { items: { include: { entitlement: true } }, refunds: true, disputes: true },
  });
  check(options.allowNoOrders || orders.length > 0, "there are no orders, so the checks below checked nothing");

  // One order per paid session, and every paid session of ours has its order.
  const sessions = new Set<string>();
  const purchases = orders.filter((order) => order.membershipId === null);
  for (const order of purchases) {
    check(!sessions.has(order.stripeCheckoutSessionId!), `two orders for ${order.stripeCheckoutSessionId}`);
    sessions.add(order.stripeCheckoutSessionId!);
  }
  for await (const session of stripe.checkout.sessions.list({ limit: 100 })) {
    if (session.mode === "subscription" && session.status === "complete" && session.client_reference_id) {
      const membership = await db().membership.count({
        where: { stripeSubscriptionId: session.subscription as string },
      });
      check(membership === 1, `completed subscription session ${session.id} has ${membership} memberships`);
    } else if (session.payment_status === "paid" && session.client_reference_id)
      check(sessions.has(session.id), `paid session ${session.id} has no order`);
  }

  // One order per paid membership invoice with an amount, and none for anything else.
  const invoiceOrders = new Map(orders.filter((o) => o.stripeInvoiceId).map((o) => [o.stripeInvoiceId!, o]));
  check(
    invoiceOrders.size === orders.length - purchases.length,
    `${orders.length - purchases.length} membership orders for ${invoiceOrders.size} invoices`,
  );
  const memberships = await db().membership.findMany({ include: { entitlement: true } });
  for (const membership of memberships) {
    for await (const invoice of stripe.invoices.list({ subscription: membership.stripeSubscriptionId, limit: 100 })) {
      const paid = invoice.status === "paid" && invoice.amount_paid > 0;
      check(
        invoiceOrders.has(invoice.id!) === paid,
        `invoice ${invoice.id} (${invoice.status}, ${invoice.amount_paid}) ${paid ? "has no order" : "has an order"}`,
      );
      if (paid && invoiceOrders.has(invoice.id!))
        check(
          invoiceOrders.get(invoice.id!)!.totalAmount === invoice.amount_paid,
          `invoice ${invoice.id}: order total ${invoiceOrders.get(invoice.id!)!.totalAmount} ≠ paid ${invoice.amount_paid}`,
        );
    }
    const subscription = await stripe.subscriptions.retrieve(membership.stripeSubscriptionId);
    check(
      membership.status === subscription.status.toUpperCase(),
      `membership ${membership.id} is ${membership.status}, Stripe says ${subscription.status}`,
    );
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
    check(
      membership.entitlement?.status === access,
      `membership ${membership.id} access is ${membership.entitlement?.status}, expected ${access}`,
    );
  }

  for (const order of orders) {
    // No order without a paid charge, with the same amount.
    const charge = await stripe.charges.retrieve(order.stripeChargeId!);
    check(charge.paid && charge.status === "succeeded", `order #${order.number} has no paid charge`);
    check(
      charge.amount === order.totalAmount,
      `order #${order.number}: charge ${charge.amount} ≠ ${order.totalAmount}`,
    );
    const settledRefunds = order.refunds.filter((r) => r.status === "SUCCEEDED").reduce((s, r) => s + r.amount, 0);
    const pending = order.refunds.some((r) => r.status === "PENDING");
    if (!pending)
      check(
        charge.amount_refunded === settledRefunds,
        `order #${order.number}: Stripe refunded ${charge.amount_refunded}, our succeeded refunds ${settledRefunds}`,
      );
    const counted = order.refunds
      .filter((r) => r.status === "SUCCEEDED" || r.status === "PENDING")
      .reduce((s, r) => s + r.amount, 0);
    check(
      order.refundedAmount === counted,
      `order #${order.number}: refundedAmount ${order.refundedAmount} ≠ pending + succeeded refunds ${counted}`,
    );
    // Access follows money.
    const lost = order.disputes.some((d) => d.outcome === "LOST");
    const open = order.disputes.some((d) => d.outcome === "OPEN");
    const fullyRefunded = !pending && settledRefunds >= order.totalAmount;
    for (const item of order.membershipId ? [] : order.items) {
      if (!item.entitlement) {
        violations.push(`order #${order.number} has an item without entitlement`);
        continue;
      }
      const status = item.entitlement.status;
      const expected = lost || fullyRefunded ? ["REVOKED"] : open ? ["FROZEN"] : ["ACTIVE", "RESTORED"];
      check(expected.includes(status), `order #${order.number}: access ${status}, expected ${expected.join(" or ")}`);
    }
  }

  // Each creator's connected balance equals what our orders say they should have.
  const creators = await db().creatorAccount.findMany({
    where: { stripeAccountId: { not: null } },
    include: { orders: true },
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
      check(
        onStripe + paidOut === expected,
        `creator ${creator.id} ${currency}: Stripe balance + payouts ${onStripe + paidOut}, our books ${expected}`,
      );
    }
  }

  // Rollups equal a recomputation from raw rows.
  const differences = await verifyRollups(db());
  for (const difference of differences.slice(0, 20)) violations.push(`rollup: ${JSON.stringify(difference)}`);
  if (differences.length > 20) violations.push(`… and ${differences.length - 20} more rollup differences`);

  // The audit log has a row for every order and refund.
  const paidAudits = await db().auditLog.groupBy({
    by: ["entityId"],
    where: { action: "order.paid" },
    _count: { _all: true },
  });
  const paidAuditCount = new Map(paidAudits.map((row) => [row.entityId, row._count._all]));
  for (const order of orders) {
    const count = paidAuditCount.get(order.id) ?? 0;
    check(count === 1, `order #${order.number} has ${count} order.paid audit rows`);
    // Ours are audited when made; one made elsewhere (Stripe's dashboard) when recorded from Stripe.
    for (const refund of order.refunds) {
      const audits = await db().auditLog.count({
        where: { action: { in: ["refund.created", "refund.recorded_from_stripe"] }, entityId: refund.id },
      });
      check(audits === 1, `refund ${refund.id} has ${audits} audit rows`);
    }
  }
  return violations;
}
