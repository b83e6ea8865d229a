// Fault suite: Stripe and the network misbehave. Each scenario ends by checking the marketplace's invariants.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { refundOrder } from "#app/domain/refunds.server.ts";
import { startOnboarding } from "#app/domain/creators.server.ts";
import { action as webhookAction } from "#app/routes/api+/webhooks.stripe.ts";
import { db } from "#app/utils/db.server.ts";
import { reloadEnv } from "#app/utils/env.server.ts";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser } from "#tests/helpers/requests.ts";
import { controls, eventsSettled, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

/** `npm run test:faults` runs every scenario at a larger size; `npm test` at a small one. */
const SCALE = process.env.FAULT_SCALE === "large" ? 5 : 1;

let stripeEnv: TestStripe;
let stripe: Stripe;
beforeAll(async () => {
  process.env.STRIPE_TIMEOUT_MS = "1500";
  stripeEnv = await startTestStripe();
  reloadEnv();
  stripe = stripeEnv.stripe;
});
afterEach(async () => {
  await controls.clearFaults(stripeEnv.url);
  await controls.setWebhookControls(stripeEnv.url, { duplicate: 0, reorder: 0, drop: 0, delay_ms: 0 });
  await stripeEnv.settle();
  // Some scenarios buy nothing (forged bodies, unknown events, onboarding retries): run alone (-t), they leave no
  // orders, and that is right. The file as a whole must have produced orders: checked once more in afterAll.
  await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey, { allowNoOrders: true });
});
afterAll(async () => {
  if (stripeEnv) await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey);
  await stripeEnv?.stop();
});

async function buy(creatorId: string, options: { pay?: boolean } = {}) {
  const product = await publishedProduct(creatorId, {
    amount: 1_000 + Math.floor(Math.random() * 9_000),
    currency: "usd",
  });
  const { user } = await createUser();
  const checkout = await startCheckout({
    buyer: user,
    productId: product.id,
    appUrl: "http://localhost:3000",
    actor: SYSTEM_ACTOR,
  });
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(checkout.url)![1]!;
  if (options.pay !== false) await controls.payCheckoutSession(stripeEnv.url, sessionId);
  return { product, user, sessionId, checkout };
}

function signed(payload: string, secret = stripeEnv.emulator.webhookSecret, timestamp?: number) {
  return stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

async function post(body: string, headers: Record<string, string>) {
  return callRoute(
    webhookAction,
    new Request("http://localhost/api/webhooks/stripe", { method: "POST", headers, body }),
  );
}

describe("webhook deliveries", () => {
  it("survives every event duplicated, shuffled and delayed past the success page", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 100, reorder: 4 * SCALE, delay_ms: 150 });
    const buyers = [];
    for (let i = 0; i < 3 * SCALE; i++) buyers.push(await buy(creator.id));
    await controls.releaseHeldWebhooks(stripeEnv.url);
    await stripeEnv.settle();
    for (const b of buyers) expect(await db().order.count({ where: { buyerId: b.user.id } })).toBe(1);
  });

  it("recovers dropped deliveries with reconciliation", async () => {
    const { reconcileEvents } = await import("#app/webhooks/reconcile.server.ts");
    const { creator } = await onboardedCreator(stripeEnv.url);
    await controls.setWebhookControls(stripeEnv.url, { drop: 1000 });
    const b = await buy(creator.id);
    await stripeEnv.settle();
    expect(await db().order.count({ where: { buyerId: b.user.id } })).toBe(0);
    await reconcileEvents({ since: new Date(Date.now() - 600_000) });
    expect(await db().order.count({ where: { buyerId: b.user.id } })).toBe(1);
  });

  it("recovers a connected account's own events (account.updated) with reconciliation", async () => {
    const { reconcileEvents } = await import("#app/webhooks/reconcile.server.ts");
    const { creator } = await onboardedCreator(stripeEnv.url, { mode: "incomplete" });
    expect(creator.chargesEnabled).toBe(false);
    await controls.setWebhookControls(stripeEnv.url, { drop: 1000 });
    await controls.completeOnboarding(stripeEnv.url, creator.stripeAccountId!, "complete");
    await stripeEnv.settle();
    const missed = await stripe.events.list(
      { type: "account.updated", limit: 1 },
      { stripeAccount: creator.stripeAccountId! },
    );
    expect(missed.data[0]!.account).toBe(creator.stripeAccountId);
    expect(await db().stripeEvent.count({ where: { id: missed.data[0]!.id } })).toBe(0);
    expect((await db().creatorAccount.findUniqueOrThrow({ where: { id: creator.id } })).chargesEnabled).toBe(false);
    const report = await reconcileEvents({ since: new Date(Date.now() - 600_000) });
    expect(report.failed).toEqual([]);
    const stored = await db().stripeEvent.findUniqueOrThrow({ where: { id: missed.data[0]!.id } });
    expect(stored.account).toBe(creator.stripeAccountId);
    expect(stored.processedAt).not.toBeNull();
    expect((await db().creatorAccount.findUniqueOrThrow({ where: { id: creator.id } })).chargesEnabled).toBe(true);
  });

  it("acknowledges at once while processing fails; the worker retries with back-off and completes the order once", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    // Fulfillment reads the payment from Stripe; make those reads fail past stripe-node's own retries.
    await controls.injectFault(stripeEnv.url, { path: "/v1/payment_intents/", method: "GET", count: 4, status: 500 });
    const b = await buy(creator.id);
    await stripeEnv.settle();
    const deliveries = await controls.listDeliveries(stripeEnv.url, { type: "checkout.session.completed" });
    const ours = deliveries.filter((d) => d.attempts.length && d.event === deliveries.at(-1)!.event);
    expect(ours.length).toBeGreaterThan(0);
    // Stripe never saw a failure: the route stored and enqueued, and answered 200 the first time.
    for (const delivery of ours) expect(delivery.attempts.map((a) => a.status)).toEqual([200]);
    expect(await db().order.count({ where: { buyerId: b.user.id } })).toBe(1);
    const event = await db().stripeEvent.findFirstOrThrow({ where: { id: ours[0]!.event } });
    expect(event.deliveries).toBe(1);
    expect(event.attempts).toBeGreaterThan(1);
    expect(event.processedAt).not.toBeNull();
    expect(event.processingError).toBeNull();
  });

  it("dead-letters an event after its last retry, alerts staff once, and leaves it for staff to retry", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    // Every read of the payment fails, through all 1 + 3 attempts (retry limit 3 in tests).
    await controls.injectFault(stripeEnv.url, {
      path: "/v1/payment_intents/",
      method: "GET",
      count: 1000,
      status: 500,
    });
    const b = await buy(creator.id);
    await controls.waitForWebhooks(stripeEnv.url, 15_000);
    await eventsSettled(60_000); // processed or dead: 4 attempts, 1 s apart and doubling, each with stripe-node's retries
    const event = await db().stripeEvent.findFirstOrThrow({
      where: { type: "checkout.session.completed", payload: { path: ["data", "object", "id"], equals: b.sessionId } },
    });
    expect(event.processedAt).toBeNull();
    expect(event.deadAt).not.toBeNull();
    expect(event.attempts).toBe(4);
    expect(event.processingError).toMatch(/500|error/i);
    const alerts = await db().staffAlert.findMany({ where: { stripeEventId: event.id } });
    expect(alerts.map((a) => a.kind)).toEqual(["event_dead"]);
    expect(await db().order.count({ where: { buyerId: b.user.id } })).toBe(0);
    // Stripe recovers; the buyer's success page fulfils through the same function, and the dead event then has
    // nothing left to do (a staff retry would find it done).
    await controls.clearFaults(stripeEnv.url);
    const { processStoredEvent } = await import("#app/webhooks/process.server.ts");
    await processStoredEvent(event.payload as unknown as Stripe.Event);
    expect(await db().order.count({ where: { buyerId: b.user.id } })).toBe(1);
  });

  it("rejects forged, stale, malformed, empty and huge bodies, storing nothing", async () => {
    const before = await db().stripeEvent.count();
    const event = JSON.stringify({
      id: "evt_fault_1",
      object: "event",
      type: "checkout.session.completed",
      created: 1,
      data: { object: {} },
    });
    const cases: [string, string, Record<string, string>, number][] = [
      ["wrong secret", event, { "stripe-signature": signed(event, "whsec_not_ours") }, 400],
      [
        "stale timestamp",
        event,
        { "stripe-signature": signed(event, undefined, Math.floor(Date.now() / 1000) - 600) },
        400,
      ],
      ["no header", event, {}, 400],
      ["garbage header", event, { "stripe-signature": "t=abc,v1=zz" }, 400],
      ["malformed JSON", "{not json", { "stripe-signature": signed("{not json") }, 400],
      ["empty body", "", { "stripe-signature": signed("") }, 400],
      ["tampered body", event.replace("evt_fault_1", "evt_fault_2"), { "stripe-signature": signed(event) }, 400],
      ["huge body", "x".repeat(1024 * 1024 + 10), { "stripe-signature": "t=1,v1=00" }, 413],
    ];
    for (const [name, body, headers, status] of cases) {
      const response = await post(body, headers);
      expect(response.status, name).toBe(status);
    }
    expect(await db().stripeEvent.count()).toBe(before);
  });

  it("acknowledges unknown event types and events for accounts and sessions that aren't ours", async () => {
    const now = Math.floor(Date.now() / 1000);
    const events = [
      {
        id: "evt_unknown_type_f",
        object: "event",
        type: "issuing_card.created",
        created: now,
        data: { object: { id: "ic_1" } },
      },
      {
        id: "evt_unknown_acct_f",
        object: "event",
        type: "account.updated",
        created: now,
        account: "acct_not_ours",
        data: { object: { id: "acct_not_ours", object: "account" } },
      },
      {
        id: "evt_unknown_session_f",
        object: "event",
        type: "checkout.session.completed",
        created: now,
        data: {
          object: {
            id: "cs_not_ours",
            object: "checkout.session",
            client_reference_id: "nope",
            payment_status: "paid",
            status: "complete",
            payment_intent: "pi_not_ours",
          },
        },
      },
    ];
    for (const e of events) {
      const payload = JSON.stringify(e);
      const response = await post(payload, { "stripe-signature": signed(payload) });
      expect(response.status, e.type).toBe(200);
    }
    await stripeEnv.settle();
    for (const e of events) {
      const stored = await db().stripeEvent.findUniqueOrThrow({ where: { id: e.id } });
      expect(stored.processedAt, e.id).not.toBeNull();
      expect(stored.deadAt, e.id).toBeNull();
    }
    expect(await db().order.count({ where: { stripeCheckoutSessionId: "cs_not_ours" } })).toBe(0);
  });
});

describe("Stripe API faults", () => {
  it("retries checkout through 500s and 429s with one idempotency key: one session", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    await controls.injectFault(stripeEnv.url, { path: "/v1/checkout/sessions", method: "POST", count: 1, status: 500 });
    await controls.injectFault(stripeEnv.url, { path: "/v1/checkout/sessions", method: "POST", count: 1, status: 429 });
    const b = await buy(creator.id);
    const sessions = (await stripe.checkout.sessions.list({ limit: 100 })).data.filter(
      (s) => s.client_reference_id === b.checkout.attemptId,
    );
    expect(sessions).toHaveLength(1);
  });

  it("survives a checkout request that times out: the retry reuses the key, and a second click the session", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    await controls.injectFault(stripeEnv.url, {
      path: "/v1/checkout/sessions",
      method: "POST",
      count: 1,
      status: "hang",
    });
    const b = await buy(creator.id, { pay: false });
    const again = await startCheckout({
      buyer: b.user,
      productId: b.product.id,
      appUrl: "http://localhost:3000",
      actor: SYSTEM_ACTOR,
    });
    expect(again.url).toBe(b.checkout.url);
    expect(
      (await stripe.checkout.sessions.list({ limit: 100 })).data.filter(
        (s) => s.client_reference_id === b.checkout.attemptId,
      ),
    ).toHaveLength(1);
    await controls.payCheckoutSession(stripeEnv.url, b.sessionId);
  });

  it("retries onboarding's account creation without making a second account", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    await db().creatorAccount.create({ data: { userId: user.id, displayName: "Faulty", slug: `faulty-${user.id}` } });
    await controls.injectFault(stripeEnv.url, { path: "/v1/accounts", method: "POST", count: 2, status: 500 });
    await startOnboarding({ userId: user.id, appUrl: "http://localhost:3000", actor: SYSTEM_ACTOR });
    const accounts = (await stripe.accounts.list({ limit: 100 })).data.filter((a) => a.metadata?.user_id === user.id);
    expect(accounts).toHaveLength(1);
  });

  it("retries a refund through 500s and a timeout: one refund on Stripe", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const b = await buy(creator.id);
    await stripeEnv.settle();
    const order = await db().order.findFirstOrThrow({ where: { buyerId: b.user.id } });
    await controls.injectFault(stripeEnv.url, { path: "/v1/refunds", method: "POST", count: 1, status: "hang" });
    await controls.injectFault(stripeEnv.url, { path: "/v1/refunds", method: "POST", count: 1, status: 500 });
    const made = await refundOrder({
      orderId: order.id,
      amount: 500,
      reason: "requested_by_customer",
      reverseTransfer: true,
      refundApplicationFee: true,
      requestKey: `fault-refund-${order.id}`,
      actor: SYSTEM_ACTOR,
    });
    expect(made.stripeRefundId).toMatch(/^re_/);
    await stripeEnv.settle();
    expect((await stripe.refunds.list({ charge: order.stripeChargeId!, limit: 100 })).data).toHaveLength(1);
  });
});
