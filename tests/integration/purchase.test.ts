// The purchase path through the real stack: stripe-node over HTTP to the emulator, signed webhooks into the real
// route, a real PostgreSQL database.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { DomainError } from "#app/domain/errors.ts";
import { action as checkoutAction } from "#app/routes/_shop+/checkout.tsx";
import { loader as successLoader } from "#app/routes/_shop+/checkout_.success.tsx";
import { action as cancelAction, loader as cancelLoader } from "#app/routes/_shop+/checkout_.cancel.tsx";
import { loader as returnLoader } from "#app/routes/creator+/onboarding_.return.tsx";
import { action as webhookAction } from "#app/routes/api+/webhooks.stripe.ts";
import { db } from "#app/utils/db.server.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
let stripe: Stripe;

beforeAll(async () => {
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
});
afterAll(async () => stripeEnv?.stop());

const actor = () => actorFromRequest(new Request("http://localhost/"));

async function buyer() {
  const { user } = await createUser();
  return { user, cookie: await sessionCookie(user.id) };
}

async function checkout(buyerUser: { id: string; email: string }, productId: string) {
  return startCheckout({ buyer: buyerUser, productId, appUrl: "http://localhost:3000", actor: actor() });
}

function sessionIdFrom(url: string) {
  return /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;
}

describe("creator onboarding", () => {
  it("creates one Express account with our user id, and shows what Stripe still needs", async () => {
    const { user, creator } = await onboardedCreator(stripeEnv.url, { mode: "incomplete" });
    expect(creator.stripeAccountId).toMatch(/^acct_/);
    const account = await stripe.accounts.retrieve(creator.stripeAccountId!);
    expect(account.type).toBe("express");
    expect(account.metadata?.user_id).toBe(user.id);
    expect(account.capabilities).toHaveProperty("card_payments");
    expect(creator.onboardingStatus).toBe("RESTRICTED");
    expect(creator.requirementsDue.length).toBeGreaterThan(0);
    expect(creator.chargesEnabled).toBe(false);
  });

  it("becomes active after onboarding, from the return route and from account.updated", async () => {
    const { user, creator } = await onboardedCreator(stripeEnv.url);
    expect(creator.onboardingStatus).toBe("ACTIVE");
    expect(creator.chargesEnabled && creator.payoutsEnabled).toBe(true);
    const response = await callRoute(
      returnLoader,
      getRequest("/creator/onboarding/return", { cookie: await sessionCookie(user.id) }),
    );
    expect(response.headers.get("Location")).toBe("/creator?onboarding=returned");
    await stripeEnv.settle();
    const events = await db().stripeEvent.count({
      where: { type: "account.updated", account: creator.stripeAccountId },
    });
    expect(events).toBeGreaterThan(0);
    const audit = await db().auditLog.count({
      where: { entityId: creator.id, action: "creator.stripe_status_changed" },
    });
    expect(audit).toBeGreaterThan(0);
  });
});

describe("checkout", () => {
  it("refuses unpublished products, creators who cannot charge, own products and products already owned", async () => {
    const { user: creatorUser, creator } = await onboardedCreator(stripeEnv.url);
    const { user } = await buyer();
    const draft = await publishedProduct(creator.id);
    await db().product.update({ where: { id: draft.id }, data: { published: false } });
    await expect(checkout(user, draft.id)).rejects.toMatchObject({ code: "unpublished" });

    const own = await publishedProduct(creator.id);
    await expect(checkout(creatorUser, own.id)).rejects.toMatchObject({ code: "own_product" });

    const { creator: restricted } = await onboardedCreator(stripeEnv.url, { mode: "incomplete" });
    const blocked = await publishedProduct(restricted.id);
    await expect(checkout(user, blocked.id)).rejects.toBeInstanceOf(DomainError);
    await expect(checkout(user, blocked.id)).rejects.toMatchObject({ code: "creator_cannot_charge" });

    expect(await db().checkoutAttempt.count({ where: { buyerId: user.id } })).toBe(0);
  });

  it("creates a destination-charge session with the fee, our ids and an idempotency key; a double click reuses it", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id, { amount: 2000, currency: "usd" });
    const { user, cookie } = await buyer();
    const [first, second] = await Promise.all([
      callRoute(checkoutAction, formRequest("/checkout", { productId: product.id }, { cookie })),
      callRoute(checkoutAction, formRequest("/checkout", { productId: product.id }, { cookie })),
    ]);
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(second.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(await db().checkoutAttempt.count({ where: { buyerId: user.id } })).toBe(1);

    const session = await stripe.checkout.sessions.retrieve(sessionIdFrom(first.headers.get("Location")!), {
      expand: ["payment_intent"],
    });
    const attempt = await db().checkoutAttempt.findFirstOrThrow({ where: { buyerId: user.id } });
    expect(session.client_reference_id).toBe(attempt.id);
    expect(session.metadata).toMatchObject({
      checkout_attempt_id: attempt.id,
      buyer_id: user.id,
      product_id: product.id,
    });
    expect(session.amount_total).toBe(2000);
    expect(session.success_url).toContain("session_id={CHECKOUT_SESSION_ID}");
    expect(attempt.feeBps).toBe(1500); // a new creator's tier
    expect(attempt.applicationFeeAmount).toBe(300);
    const payment = await controls.payCheckoutSession(stripeEnv.url, session.id);
    expect(payment.status).toBe("succeeded");
    const intent = await stripe.paymentIntents.retrieve(payment.payment_intent!);
    expect(intent.application_fee_amount).toBe(300);
    expect(intent.transfer_data?.destination).toBe(creator.stripeAccountId);
  });

  it("answers an anonymous buyer with the login page and a way back", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id);
    const response = await callRoute(checkoutAction, formRequest("/checkout", { productId: product.id }));
    expect(response.headers.get("Location")).toBe(`/login?redirectTo=%2Fp%2F${product.slug}`);
  });

  it("shows a friendly error when Stripe keeps failing, and the retry reuses the same attempt", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id);
    const { user, cookie } = await buyer();
    await controls.injectFault(stripeEnv.url, {
      path: "/v1/checkout/sessions",
      method: "POST",
      count: 10,
      status: 500,
    });
    const failed = await callRoute(checkoutAction, formRequest("/checkout", { productId: product.id }, { cookie }));
    expect(failed.status).toBe(502);
    expect((await failed.json()).error).toMatch(/couldn't reach our payment provider/);
    await controls.clearFaults(stripeEnv.url);
    const retried = await callRoute(checkoutAction, formRequest("/checkout", { productId: product.id }, { cookie }));
    expect(retried.status).toBe(303);
    expect(await db().checkoutAttempt.count({ where: { buyerId: user.id } })).toBe(1);
    const sessions = await stripe.checkout.sessions.list({ limit: 100 });
    const attempt = await db().checkoutAttempt.findFirstOrThrow({ where: { buyerId: user.id } });
    expect(sessions.data.filter((s) => s.client_reference_id === attempt.id)).toHaveLength(1);
  });
});

describe("fulfillment", () => {
  async function paidSession(options: { card?: string } = {}) {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id, { amount: 2500, currency: "usd" });
    const { user, cookie } = await buyer();
    const { url } = await checkout(user, product.id);
    const sessionId = sessionIdFrom(url);
    const payment = await controls.payCheckoutSession(stripeEnv.url, sessionId, { card: options.card });
    return { creator, product, user, cookie, sessionId, payment };
  }

  async function state(buyerId: string) {
    return {
      orders: await db().order.count({ where: { buyerId } }),
      entitlements: await db().entitlement.count({ where: { userId: buyerId } }),
      items: await db().orderItem.count({ where: { order: { buyerId } } }),
    };
  }

  it("turns a paid session into one order, one entitlement, a rollup and audit rows", async () => {
    const { user, creator, sessionId } = await paidSession();
    await stripeEnv.settle();
    expect(await state(user.id)).toEqual({ orders: 1, entitlements: 1, items: 1 });
    const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id }, include: { items: true } });
    expect(order).toMatchObject({ totalAmount: 2500, applicationFeeAmount: 375, creatorAmount: 2125, currency: "usd" });
    expect(order.stripeCheckoutSessionId).toBe(sessionId);
    expect(order.stripePaymentIntentId).toMatch(/^pi_/);
    expect(order.stripeChargeId).toMatch(/^(ch|py)_/);
    expect(order.stripeFeeAmount).toBe(Math.round(2500 * 0.029) + 30);
    expect(order.items[0]).toMatchObject({ unitAmount: 2500, applicationFeeAmount: 375, feeBps: 1500 });
    const rollup = await db().dailyRevenue.findFirstOrThrow({ where: { creatorId: creator.id } });
    expect(rollup).toMatchObject({ orderCount: 1, grossAmount: 2500, applicationFeeAmount: 375 });
    const actions = (await db().auditLog.findMany({ where: { orderId: order.id } })).map((r) => r.action).sort();
    expect(actions).toEqual(["entitlement.granted", "order.paid"]);
    expect((await db().checkoutAttempt.findFirstOrThrow({ where: { buyerId: user.id } })).status).toBe("COMPLETED");
  });

  it("gives exactly one order when every event is delivered twice and out of order", async () => {
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 20, reorder: 6 });
    const { user } = await paidSession();
    await controls.releaseHeldWebhooks(stripeEnv.url);
    await stripeEnv.settle();
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 0, reorder: 0 });
    expect(await state(user.id)).toEqual({ orders: 1, entitlements: 1, items: 1 });
    const duplicates = await db().stripeEvent.count({ where: { deliveries: { gt: 1 } } });
    expect(duplicates).toBeGreaterThan(0);
  });

  it("gives the same result when the success page comes before the webhook, or after it", async () => {
    // Before: the webhook is dropped, the success page fulfills by asking Stripe.
    await controls.setWebhookControls(stripeEnv.url, { drop: 20 });
    const early = await paidSession();
    await controls.setWebhookControls(stripeEnv.url, { drop: 0 });
    const page = await callRoute(
      successLoader,
      getRequest(`/checkout/success?session_id=${early.sessionId}`, { cookie: early.cookie }),
    );
    expect(page.status).toBe(200);
    const body = await page.json();
    expect(body.state).toBe("paid");
    // The late webhook, resent, changes nothing.
    const completed = await stripe.events.list({ type: "checkout.session.completed", limit: 100 });
    const event = completed.data.find((e) => (e.data.object as Stripe.Checkout.Session).id === early.sessionId)!;
    await controls.resendEvent(stripeEnv.url, event.id);
    await stripeEnv.settle();
    expect(await state(early.user.id)).toEqual({ orders: 1, entitlements: 1, items: 1 });

    // After: the webhook fulfills, the success page finds the same order.
    const late = await paidSession();
    await stripeEnv.settle();
    const again = await callRoute(
      successLoader,
      getRequest(`/checkout/success?session_id=${late.sessionId}`, { cookie: late.cookie }),
    );
    expect((await again.json()).order.number).toBe(
      (await db().order.findFirstOrThrow({ where: { buyerId: late.user.id } })).number,
    );
    expect(await state(late.user.id)).toEqual({ orders: 1, entitlements: 1, items: 1 });
  });

  it("does not show another buyer's purchase on the success page", async () => {
    const { sessionId } = await paidSession();
    const stranger = await buyer();
    const response = await callRoute(
      successLoader,
      getRequest(`/checkout/success?session_id=${sessionId}`, { cookie: stranger.cookie }),
    );
    expect(response.status).toBe(404);
  });

  it("creates no order for a declined card, and records the failure", async () => {
    const { user, payment } = await paidSession({ card: "4000000000000002" });
    expect(payment.status).toBe("failed");
    expect(payment.error?.message).toMatch(/declined/i);
    await stripeEnv.settle();
    expect(await state(user.id)).toEqual({ orders: 0, entitlements: 0, items: 0 });
    const attempt = await db().checkoutAttempt.findFirstOrThrow({ where: { buyerId: user.id } });
    expect(attempt.status).toBe("OPEN");
    expect(attempt.failureMessage).toMatch(/declined/i);
  });

  it("leaves nothing payable behind when the buyer cancels", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id);
    const { user, cookie } = await buyer();
    const { url, attemptId } = await checkout(user, product.id);
    // Stripe's redirect (a GET) only shows the page; its buttons POST, and that closes the session.
    const page = await callRoute(cancelLoader, getRequest(`/checkout/cancel?attempt=${attemptId}`, { cookie }));
    expect(page.status).toBe(200);
    expect((await db().checkoutAttempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe("OPEN");
    const response = await callRoute(
      cancelAction,
      formRequest("/checkout/cancel", { attempt: attemptId, next: "product" }, { cookie }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`/p/${product.slug}`);
    expect((await db().checkoutAttempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe("EXPIRED");
    expect((await stripe.checkout.sessions.retrieve(sessionIdFrom(url))).status).toBe("expired");
    // A new "Buy" opens a new session instead of the expired one.
    const fresh = await checkout(user, product.id);
    expect(fresh.attemptId).not.toBe(attemptId);
  });

  it("pays the creator exactly amount minus fee: their connected balance equals the sum over their orders", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const prices = [1999, 500, 12345, 1];
    for (const amount of prices) {
      const product = await publishedProduct(creator.id, { amount: Math.max(amount, 50), currency: "usd" });
      const { user } = await buyer();
      const { url } = await checkout(user, product.id);
      await controls.payCheckoutSession(stripeEnv.url, sessionIdFrom(url));
    }
    await stripeEnv.settle();
    const orders = await db().order.findMany({ where: { creatorId: creator.id } });
    expect(orders).toHaveLength(prices.length);
    const expected = orders.reduce((sum, o) => sum + o.totalAmount - o.applicationFeeAmount, 0);
    const balance = await stripe.balance.retrieve({}, { stripeAccount: creator.stripeAccountId! });
    const usd = [...balance.available, ...balance.pending]
      .filter((b) => b.currency === "usd")
      .reduce((s, b) => s + b.amount, 0);
    expect(usd).toBe(expected);
  });
});

describe("the webhook route", () => {
  it("rejects a bad signature and stores nothing", async () => {
    const payload = JSON.stringify({
      id: "evt_forged",
      object: "event",
      type: "checkout.session.completed",
      data: { object: {} },
    });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_wrong" });
    const request = new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": header, "content-type": "application/json" },
      body: payload,
    });
    const response = await callRoute(webhookAction, request);
    expect(response.status).toBe(400);
    expect(await db().stripeEvent.findUnique({ where: { id: "evt_forged" } })).toBeNull();
  });

  it("rejects a stale timestamp and a missing header", async () => {
    const payload = JSON.stringify({
      id: "evt_stale",
      object: "event",
      type: "account.updated",
      created: 1,
      data: { object: {} },
    });
    const stale = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: stripeEnv.emulator.webhookSecret,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    for (const headers of [{ "stripe-signature": stale }, {} as Record<string, string>]) {
      const response = await callRoute(
        webhookAction,
        new Request("http://localhost/api/webhooks/stripe", { method: "POST", headers, body: payload }),
      );
      expect(response.status).toBe(400);
    }
    expect(await db().stripeEvent.count({ where: { id: "evt_stale" } })).toBe(0);
  });

  it("stores and acknowledges event types it does not handle", async () => {
    const payload = JSON.stringify({
      id: "evt_unknown_type",
      object: "event",
      type: "customer.created",
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: "cus_1", object: "customer" } },
    });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeEnv.emulator.webhookSecret });
    const response = await callRoute(
      webhookAction,
      new Request("http://localhost/api/webhooks/stripe", {
        method: "POST",
        headers: { "stripe-signature": header },
        body: payload,
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ received: true, queued: false });
    expect(
      (await db().stripeEvent.findUniqueOrThrow({ where: { id: "evt_unknown_type" } })).processedAt,
    ).not.toBeNull();
  });
});

describe("reconciliation", () => {
  it("recovers a purchase whose webhooks were all dropped, and a second run changes nothing", async () => {
    const { reconcileEvents } = await import("#app/webhooks/reconcile.server.ts");
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id);
    const { user } = await buyer();
    await controls.setWebhookControls(stripeEnv.url, { drop: 50 });
    const { url } = await checkout(user, product.id);
    await controls.payCheckoutSession(stripeEnv.url, sessionIdFrom(url));
    await stripeEnv.settle();
    await controls.setWebhookControls(stripeEnv.url, { drop: 0 });
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(0);

    const report = await reconcileEvents({ since: new Date(Date.now() - 10 * 60 * 1000) });
    expect(report.failed).toEqual([]);
    expect(report.processed).toBeGreaterThan(0);
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(1);
    expect(await db().entitlement.count({ where: { userId: user.id } })).toBe(1);

    const again = await reconcileEvents({ since: new Date(Date.now() - 10 * 60 * 1000) });
    expect(again.processed).toBe(0);
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(1);
  });
});
