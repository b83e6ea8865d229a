// Membership lifecycles through the real stack: stripe-node over HTTP to the emulator, test clocks moving Stripe's
// time, signed webhooks into the real route, a real PostgreSQL database. The same lifecycle's events delivered in
// Stripe's order, shuffled, duplicated or held back must all end in the same membership, access, orders and rollups,
// and the money must reconcile to the cent with Stripe's balances.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { grantsAccess } from "#app/domain/entitlements.server.ts";
import { membershipAccess } from "#app/domain/memberships.server.ts";
import { refundOrder } from "#app/domain/refunds.server.ts";
import { reconcileEvents } from "#app/webhooks/reconcile.server.ts";
import { action as webhookAction } from "#app/routes/api+/webhooks.stripe.ts";
import { db } from "#app/utils/db.server.ts";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { buyerOnTestClock, onboardedCreator, publishedMembership } from "#tests/helpers/marketplace.ts";
import { callRoute } from "#tests/helpers/requests.ts";
import { controls, eventsSettled, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
let stripe: Stripe;

beforeAll(async () => {
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
});
afterAll(async () => {
  await stripeEnv.settle();
  await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey);
  await stripeEnv?.stop();
});

const DAY = 86_400;
const START = 1_780_000_000; // a fixed Stripe time for the test clocks (2026-05-28)

type Buyer = Awaited<ReturnType<typeof buyerOnTestClock>>;

async function subscribe(
  buyer: Buyer,
  productId: string,
  options: { interval?: "MONTH" | "YEAR"; card?: string } = {},
) {
  const checkout = await startCheckout({
    buyer: buyer.user,
    productId,
    interval: options.interval,
    appUrl: "http://localhost:3000",
    actor: SYSTEM_ACTOR,
  });
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(checkout.url)![1]!;
  const paid = await controls.payCheckoutSession(stripeEnv.url, sessionId, {
    card: options.card ?? "4242424242424242",
  });
  expect(paid.status).toBe("succeeded");
  return (await stripe.checkout.sessions.retrieve(sessionId)).subscription as string;
}

async function advance(buyer: Buyer, to: number) {
  await stripe.testHelpers.testClocks.advance(buyer.clock.id, { frozen_time: to });
}

async function membershipOf(subscriptionId: string) {
  return db().membership.findUniqueOrThrow({
    where: { stripeSubscriptionId: subscriptionId },
    include: { entitlement: true, orders: { orderBy: { number: "asc" } } },
  });
}

/** Everything a lifecycle should end in, without ids and times that differ between runs. */
async function endState(subscriptionId: string) {
  const m = await membershipOf(subscriptionId);
  const creatorRollup = await db().dailyRevenue.aggregate({
    where: { creatorId: m.creatorId },
    _sum: { orderCount: true, grossAmount: true, applicationFeeAmount: true, stripeFeeAmount: true },
  });
  return {
    status: m.status,
    amount: m.amount,
    interval: m.interval,
    cancelAtPeriodEnd: m.cancelAtPeriodEnd,
    pausedCollection: m.pausedCollection,
    paymentProblem: m.paymentProblem,
    trialEndsAt: m.trialEndsAt?.toISOString() ?? null,
    currentPeriodEnd: m.currentPeriodEnd?.toISOString() ?? null,
    converted: m.convertedAt !== null,
    ended: m.endedAt !== null,
    access: m.entitlement?.status ?? null,
    // Sorted by content: which invoice's order is written first depends on the order events arrive in.
    orders: m.orders
      .map((o) => ({
        reason: o.billingReason,
        total: o.totalAmount,
        fee: o.applicationFeeAmount,
        creator: o.creatorAmount,
        stripeFee: o.stripeFeeAmount,
        hasCharge: o.stripeChargeId !== null,
      }))
      .sort((a, b) => `${a.reason}${a.total}`.localeCompare(`${b.reason}${b.total}`)),
    rollup: creatorRollup._sum,
  };
}

/** Events about one customer's subscriptions and invoices, oldest first, as Stripe stored them. */
async function lifecycleEvents(customerId: string, sinceEventId: string) {
  const newestFirst: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) {
    if (event.id === sinceEventId) break;
    newestFirst.push(event);
  }
  return newestFirst
    .reverse()
    .filter(
      (e) =>
        e.type.startsWith("customer.subscription.") ||
        e.type.startsWith("invoice.") ||
        e.type.startsWith("checkout.session."),
    )
    .filter((e) => {
      const object = e.data.object as { customer?: string | null };
      return object.customer === customerId;
    });
}

async function deliver(event: Stripe.Event) {
  const payload = JSON.stringify(event);
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeEnv.emulator.webhookSecret });
  const response = await callRoute(
    webhookAction,
    new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": signature, "content-type": "application/json" },
      body: payload,
    }),
  );
  expect(response.status, `${event.type} ${event.id}`).toBe(200);
  // The route only stores and enqueues: wait for the worker, so events are applied in the order delivered.
  await eventsSettled();
}

/** A seeded shuffle, so a failure names an order that can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Switches the emulator's webhook deliveries to the app off (null) and on again. */
async function setWebhookUrl(url: string | null) {
  expect(await controls.setWebhookUrl(stripeEnv.url, url)).toBe(url);
}

async function newestEventId() {
  return (await stripe.events.list({ limit: 1 })).data[0]!.id;
}

/**
 * Runs a lifecycle with webhooks switched off, then delivers its events to the app in the given order. Returns the
 * subscription id. A fresh creator per run keeps the rollups of different runs apart.
 */
async function lifecycleWithEventsIn(
  order: "stripe" | number,
  script: (buyer: Buyer, productId: string) => Promise<string>,
) {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedMembership(creator.id, { monthly: 1_500, yearly: 15_000, trialDays: 7 });
  const buyer = await buyerOnTestClock(stripe, START);
  await stripeEnv.settle();
  const since = await newestEventId();
  await setWebhookUrl(null);
  let subscriptionId: string;
  try {
    subscriptionId = await script(buyer, product.id);
  } finally {
    await setWebhookUrl(stripeEnv.webhookUrl);
  }
  const events = await lifecycleEvents(buyer.customer.id, since);
  expect(events.length).toBeGreaterThan(5);
  const sequence = order === "stripe" ? events : shuffled(events, order);
  for (const event of sequence) await deliver(event);
  // And every event once more, newest first: replays change nothing.
  for (const event of [...sequence].reverse()) await deliver(event);
  return subscriptionId;
}

describe("membership lifecycle", () => {
  it("a trial converts, renews, switches to yearly with proration and is canceled at period end — same end state in any event order", async () => {
    const script = async (buyer: Buyer, productId: string) => {
      const sub = await subscribe(buyer, productId);
      await advance(buyer, START + 8 * DAY); // the trial ends: first paid invoice
      await advance(buyer, START + 8 * DAY + 31 * DAY); // one renewal
      const current = await stripe.subscriptions.retrieve(sub);
      const yearly = (
        await stripe.prices.list({ product: current.items.data[0]!.price.product as string, active: true })
      ).data.find((p) => p.recurring?.interval === "year")!;
      await stripe.subscriptions.update(sub, {
        items: [{ id: current.items.data[0]!.id, price: yearly.id }],
        proration_behavior: "always_invoice",
      });
      await stripe.subscriptions.update(sub, { cancel_at_period_end: true });
      return sub;
    };
    const inOrder = await endState(await lifecycleWithEventsIn("stripe", script));
    expect(inOrder).toMatchObject({
      status: "ACTIVE",
      interval: "YEAR",
      amount: 15_000,
      cancelAtPeriodEnd: true,
      converted: true,
      access: "ACTIVE",
    });
    expect(inOrder.orders.map((o) => o.reason)).toEqual([
      "subscription_cycle",
      "subscription_cycle",
      "subscription_update",
    ]);
    for (const order of inOrder.orders) {
      // Every invoice is a destination charge: the platform keeps round(15% of it) (a new creator's tier) and the creator gets the rest.
      expect(order.fee).toBe(Math.round(order.total * 0.15));
      expect(order.creator).toBe(order.total - order.fee);
      expect(order.hasCharge).toBe(true);
    }
    expect(inOrder.rollup.grossAmount).toBe(inOrder.orders.reduce((s, o) => s + o.total, 0));

    for (const seed of [1, 7, 42]) {
      const state = await endState(await lifecycleWithEventsIn(seed, script));
      expect(state, `events shuffled with seed ${seed}`).toEqual({
        ...inOrder,
        trialEndsAt: state.trialEndsAt,
        currentPeriodEnd: state.currentPeriodEnd,
      });
    }

    // And live: every event delivered twice, in held-back batches delivered newest first, while the lifecycle runs.
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 1_500, yearly: 15_000, trialDays: 7 });
    const buyer = await buyerOnTestClock(stripe, START);
    await stripeEnv.settle();
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 1_000, reorder: 7 });
    let live: string;
    try {
      live = await script(buyer, product.id);
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0, reorder: 0 });
      await controls.releaseHeldWebhooks(stripeEnv.url);
    }
    await stripeEnv.settle();
    const state = await endState(live);
    expect(state, "events duplicated and reordered live").toEqual({
      ...inOrder,
      trialEndsAt: state.trialEndsAt,
      currentPeriodEnd: state.currentPeriodEnd,
    });
  });

  it("a card that fails at the trial's end keeps access through the grace period, then Stripe's retries give up and access ends — in any event order", async () => {
    const script = async (buyer: Buyer, productId: string) => {
      const sub = await subscribe(buyer, productId, { card: "4000000000000341" });
      await advance(buyer, START + 8 * DAY); // the first charge fails
      return sub;
    };
    const pastDue = await endState(await lifecycleWithEventsIn("stripe", script));
    expect(pastDue).toMatchObject({
      status: "PAST_DUE",
      paymentProblem: "failed",
      access: "GRACE",
      converted: false,
      orders: [],
    });

    const failing = async (buyer: Buyer, productId: string) => {
      const sub = await script(buyer, productId);
      await advance(buyer, START + 8 * DAY + 8 * DAY); // every retry fails: Stripe cancels
      return sub;
    };
    const ended = await endState(await lifecycleWithEventsIn("stripe", failing));
    expect(ended).toMatchObject({ status: "CANCELED", access: "ENDED", ended: true, converted: false, orders: [] });
    for (const seed of [3, 11]) {
      const state = await endState(await lifecycleWithEventsIn(seed, failing));
      expect(state, `events shuffled with seed ${seed}`).toEqual({
        ...ended,
        trialEndsAt: state.trialEndsAt,
        currentPeriodEnd: state.currentPeriodEnd,
      });
    }
  });

  it("a renewal that needs the buyer's authentication shows Stripe's page to confirm it; confirming it pays the invoice", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 1_200 });
    const buyer = await buyerOnTestClock(stripe, START);
    const sub = await subscribe(buyer, product.id, { card: "4000002760003184" }); // approved at Checkout (on session)
    await advance(buyer, START + 32 * DAY); // off session, the bank wants the buyer
    await stripeEnv.settle();
    let membership = await membershipOf(sub);
    expect(membership).toMatchObject({ status: "PAST_DUE", paymentProblem: "action_required" });
    expect(membership.entitlement?.status).toBe("GRACE");
    expect(membership.paymentProblemUrl).toMatch(/^http/);
    expect(membership.orders).toHaveLength(1);

    // The buyer follows the link and completes authentication on Stripe's hosted invoice page.
    const page = await fetch(membership.paymentProblemUrl!);
    expect(await page.text()).toContain("Complete authentication");
    const confirmed = await fetch(membership.paymentProblemUrl!, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=approve",
      redirect: "manual",
    });
    expect(confirmed.status).toBeLessThan(400);
    await stripeEnv.settle();
    membership = await membershipOf(sub);
    expect(membership).toMatchObject({
      status: "ACTIVE",
      paymentProblem: null,
      paymentProblemUrl: null,
      pastDueSince: null,
    });
    expect(membership.entitlement?.status).toBe("ACTIVE");
    expect(membership.orders.map((o) => o.billingReason)).toEqual(["subscription_create", "subscription_cycle"]);
  });

  it("a lifecycle whose webhooks were all lost is recovered by reconciliation", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 700, trialDays: 3 });
    const buyer = await buyerOnTestClock(stripe, START);
    await stripeEnv.settle();
    await setWebhookUrl(null);
    let sub: string;
    try {
      sub = await subscribe(buyer, product.id);
      await advance(buyer, START + 4 * DAY);
    } finally {
      await setWebhookUrl(stripeEnv.webhookUrl);
    }
    // Checkout's own success page would have started it; here nothing arrived at all.
    expect(await db().membership.count({ where: { stripeSubscriptionId: sub } })).toBe(0);
    const report = await reconcileEvents({ since: new Date(Date.now() - 60 * 60 * 1000) });
    expect(report.failed).toEqual([]);
    const membership = await membershipOf(sub);
    expect(membership).toMatchObject({ status: "ACTIVE", amount: 700 });
    expect(membership.convertedAt).not.toBeNull();
    expect(membership.orders.map((o) => o.totalAmount)).toEqual([700]);
  });

  it("a dispute on an invoice freezes the membership's access until it is won", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 1_100 });
    const buyer = await buyerOnTestClock(stripe, START);
    const sub = await subscribe(buyer, product.id);
    await stripeEnv.settle();
    const order = (await membershipOf(sub)).orders[0]!;
    const dispute = await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
    await stripeEnv.settle();
    expect((await membershipOf(sub)).entitlement?.status).toBe("FROZEN");
    // A renewal meanwhile doesn't unfreeze it.
    await advance(buyer, START + 32 * DAY);
    await stripeEnv.settle();
    expect((await membershipOf(sub)).entitlement?.status).toBe("FROZEN");
    await controls.closeDispute(stripeEnv.url, dispute.id, "won");
    await stripeEnv.settle();
    const after = await membershipOf(sub);
    expect(after.entitlement?.status).toBe("ACTIVE");
    expect(after.orders.find((o) => o.id === order.id)?.status).toBe("DISPUTE_WON");
  });

  it("one membership per buyer: choosing the other plan closes the first Checkout, and a paid one is found before a second", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 900, yearly: 9_000, trialDays: 7 });
    const buyer = await buyerOnTestClock(stripe, START);
    const start = (interval: "MONTH" | "YEAR") =>
      startCheckout({
        buyer: buyer.user,
        productId: product.id,
        interval,
        appUrl: "http://localhost:3000",
        actor: SYSTEM_ACTOR,
      });
    const sessionOf = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;

    const yearly = sessionOf((await start("YEAR")).url);
    const monthly = sessionOf((await start("MONTH")).url);
    expect((await stripe.checkout.sessions.retrieve(yearly)).status).toBe("expired");
    const late = await controls.payCheckoutSession(stripeEnv.url, yearly).catch((error: Error) => error);
    expect(late).toBeInstanceOf(Error);

    // The monthly one is paid while webhooks are down and the buyer never sees the success page; then they try yearly.
    await setWebhookUrl(null);
    try {
      await controls.payCheckoutSession(stripeEnv.url, monthly);
      await expect(start("YEAR")).rejects.toMatchObject({ code: "already_owned" });
    } finally {
      await setWebhookUrl(stripeEnv.webhookUrl);
    }
    const memberships = await db().membership.findMany({ where: { buyerId: buyer.user.id } });
    expect(memberships.map((m) => [m.status, m.interval])).toEqual([["TRIALING", "MONTH"]]);
  });

  it("a card-less trial that ends paused pauses access; resumed with a card, access and invoices come back", async () => {
    // The app's Checkout always takes a card; a subscription set up with a card-less trial (Stripe's `pause` end
    // behavior) carries the same metadata, and its paused/resumed events must work the same way.
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 1_300, trialDays: 7 });
    const buyer = await buyerOnTestClock(stripe, START);
    const price = product.prices.find((p) => p.interval === "MONTH")!;
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: buyer.customer.id,
      line_items: [{ price: price.stripePriceId!, quantity: 1 }],
      payment_method_collection: "if_required",
      subscription_data: {
        trial_period_days: 7,
        trial_settings: { end_behavior: { missing_payment_method: "pause" } },
        application_fee_percent: 15,
        transfer_data: { destination: creator.stripeAccountId! },
        metadata: { buyer_id: buyer.user.id, product_id: product.id, price_id: price.id, creator_id: creator.id },
      },
      success_url: "http://localhost:3000/checkout/success?session_id={CHECKOUT_SESSION_ID}",
    });
    await controls.payCheckoutSession(stripeEnv.url, session.id, { card: "" });
    const sub = (await stripe.checkout.sessions.retrieve(session.id)).subscription as string;
    await stripeEnv.settle();
    expect((await membershipOf(sub)).entitlement?.status).toBe("ACTIVE");

    await advance(buyer, START + 8 * DAY);
    await stripeEnv.settle();
    let membership = await membershipOf(sub);
    expect(membership.status).toBe("PAUSED");
    expect(membership.entitlement?.status).toBe("PAUSED");

    const portal = await stripe.billingPortal.sessions.create({
      customer: buyer.customer.id,
      return_url: "http://localhost:3000/library",
    });
    const added = await fetch(portal.url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ action: "card", card: "4242424242424242", exp: "12 / 34", cvc: "123" }).toString(),
    });
    expect(added.status).toBe(303);
    await stripe.subscriptions.resume(sub, { billing_cycle_anchor: { type: "now" } });
    await stripeEnv.settle();
    membership = await membershipOf(sub);
    expect(membership.status).toBe("ACTIVE");
    expect(membership.entitlement?.status).toBe("ACTIVE");
    expect(membership.orders.map((o) => [o.billingReason, o.totalAmount, o.applicationFeeAmount])).toEqual([
      ["subscription_update", 1_300, 195],
    ]);
    const events = await db().stripeEvent.findMany({
      where: { type: { in: ["customer.subscription.paused", "customer.subscription.resumed"] } },
    });
    expect(new Set(events.filter((e) => e.processedAt).map((e) => e.type))).toEqual(
      new Set(["customer.subscription.paused", "customer.subscription.resumed"]),
    );
  });

  it("grace access runs out by our clock even if Stripe keeps the subscription past due", () => {
    const since = new Date("2026-12-01T00:00:00Z");
    const access = membershipAccess({ status: "PAST_DUE", pausedCollection: false, pastDueSince: since }, 7);
    expect(access).toEqual({ status: "GRACE", accessEndsAt: new Date("2026-12-08T00:00:00Z") });
    expect(grantsAccess(access, new Date("2026-12-07T23:59:59Z"))).toBe(true);
    expect(grantsAccess(access, new Date("2026-12-08T00:00:00Z"))).toBe(false);
    expect(membershipAccess({ status: "ACTIVE", pausedCollection: true, pastDueSince: null }).status).toBe("PAUSED");
    expect(membershipAccess({ status: "UNPAID", pausedCollection: false, pastDueSince: null }).status).toBe("ENDED");
  });

  it("pausing and resuming collection pauses and restores access; a refunded invoice flows into the rollups", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 2_000 });
    const buyer = await buyerOnTestClock(stripe, START);
    const sub = await subscribe(buyer, product.id);
    await stripeEnv.settle();
    let membership = await membershipOf(sub);
    expect(membership).toMatchObject({ status: "ACTIVE", amount: 2_000 });
    expect(membership.orders).toHaveLength(1);
    expect(membership.orders[0]).toMatchObject({
      billingReason: "subscription_create",
      totalAmount: 2_000,
      applicationFeeAmount: 300,
    });

    await stripe.subscriptions.update(sub, { pause_collection: { behavior: "void" } });
    await stripeEnv.settle();
    expect((await membershipOf(sub)).entitlement?.status).toBe("PAUSED");
    await stripe.subscriptions.update(sub, { pause_collection: "" });
    await stripeEnv.settle();
    expect((await membershipOf(sub)).entitlement?.status).toBe("ACTIVE");

    const order = membership.orders[0]!;
    await refundOrder({
      orderId: order.id,
      amount: 500,
      reason: "requested_by_customer",
      reverseTransfer: true,
      refundApplicationFee: true,
      requestKey: `membership-refund-${order.id}`,
      actor: SYSTEM_ACTOR,
    });
    await stripeEnv.settle();
    membership = await membershipOf(sub);
    expect(membership.orders[0]).toMatchObject({
      refundedAmount: 500,
      applicationFeeRefunded: 75,
      transferReversedAmount: 500,
    });
    const rollup = await db().dailyRevenue.aggregate({
      where: { creatorId: creator.id },
      _sum: { grossAmount: true, refundedAmount: true, applicationFeeRefunded: true },
    });
    expect(rollup._sum).toEqual({ grossAmount: 2_000, refundedAmount: 500, applicationFeeRefunded: 75 });
    // A partial refund of one invoice doesn't end the membership.
    expect(membership.entitlement?.status).toBe("ACTIVE");
  });

  it("the creator's Stripe balance equals the creator's share of every invoice, to the cent", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 999, yearly: 9_999 });
    const buyers = [await buyerOnTestClock(stripe, START), await buyerOnTestClock(stripe, START)];
    await subscribe(buyers[0]!, product.id, { interval: "MONTH" });
    await subscribe(buyers[1]!, product.id, { interval: "YEAR" });
    for (let month = 1; month <= 3; month++) for (const buyer of buyers) await advance(buyer, START + month * 31 * DAY);
    await stripeEnv.settle();
    const orders = await db().order.findMany({ where: { creatorId: creator.id } });
    expect(orders).toHaveLength(5); // 1 + 3 monthly, 1 yearly
    const balance = await stripe.balance.retrieve({}, { stripeAccount: creator.stripeAccountId! });
    const onStripe = balance.available.filter((b) => b.currency === "usd").reduce((s, b) => s + b.amount, 0);
    expect(onStripe).toBe(orders.reduce((s, o) => s + o.creatorAmount, 0));
    const fees = await stripe.applicationFees.list({ limit: 100 });
    const ours = new Set(orders.map((o) => o.stripeChargeId));
    const feeTotal = fees.data.filter((f) => ours.has(f.charge as string)).reduce((s, f) => s + f.amount, 0);
    expect(feeTotal).toBe(orders.reduce((s, o) => s + o.applicationFeeAmount, 0));
  });
});
