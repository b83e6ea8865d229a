// Fault suite: checkout and fulfillment when Stripe's state moves under us — a price change while Checkout is open,
// a delayed (bank) payment that fails, refunds and disputes that happen before the order exists. Every scenario waits
// for webhook processing to settle and checks the final database and emulator state, then the invariants.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { confirmCheckout, startCheckout } from "#app/domain/checkout.server.ts";
import { isDomainError } from "#app/domain/errors.ts";
import { db } from "#app/utils/db.server.ts";
import { reloadEnv } from "#app/utils/env.server.ts";
import { loader as successLoader } from "#app/routes/_shop+/checkout_.success.tsx";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";
import { resendEvent, setPaymentMethods, settleDelayedPayment } from "../../scripts/stripe-emulator/testing.ts";

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
  await setPaymentMethods(stripeEnv.url, ["card"]);
  await stripeEnv.settle();
  await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey, { allowNoOrders: true });
});
afterAll(async () => {
  if (stripeEnv) await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey);
  await stripeEnv?.stop();
});

const sessionIdOf = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;

function buy(buyer: { id: string; email: string }, productId: string) {
  return startCheckout({ buyer, productId, appUrl: "http://localhost:3000", actor: SYSTEM_ACTOR });
}

/** The creator changes the price as the studio does: prices are immutable, so the old row goes and a new one comes. */
async function changePrice(productId: string, amount: number) {
  await db().price.updateMany({ where: { productId, active: true }, data: { active: false } });
  await db().price.create({ data: { productId, amount, currency: "usd" } });
}

/** The buyer's sessions on the emulator that can still be paid. */
async function openSessionsOf(buyerId: string) {
  const attempts = await db().checkoutAttempt.findMany({ where: { buyerId }, select: { id: true } });
  const ours = new Set(attempts.map((a) => a.id));
  const open = [];
  for await (const session of stripe.checkout.sessions.list({ limit: 100, status: "open" }))
    if (session.client_reference_id && ours.has(session.client_reference_id)) open.push(session.id);
  return open;
}

async function setup(amount = 2_600) {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedProduct(creator.id, { amount, currency: "usd" });
  const { user } = await createUser();
  return { creator, product, user };
}

describe("defect 3: a price change while Checkout is open", () => {
  it("expires the open session at the old price before opening one at the new price: one payment, one order", async () => {
    const { product, user } = await setup(2_600);
    const first = await buy(user, product.id);
    await changePrice(product.id, 2_900);
    const second = await buy(user, product.id);
    expect(second.url).not.toBe(first.url);
    expect((await stripe.checkout.sessions.retrieve(sessionIdOf(first.url))).status).toBe("expired");
    expect(await openSessionsOf(user.id)).toEqual([sessionIdOf(second.url)]);
    // The old page can't be paid any more; the new one can.
    await expect(controls.payCheckoutSession(stripeEnv.url, sessionIdOf(first.url))).rejects.toThrow(/no longer open/);
    await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(second.url));
    await stripeEnv.settle();
    const orders = await db().order.findMany({ where: { buyerId: user.id } });
    expect(orders.map((o) => o.totalAmount)).toEqual([2_900]);
    expect(await db().entitlement.count({ where: { userId: user.id, productId: product.id } })).toBe(1);
    expect(
      (await db().checkoutAttempt.findMany({ where: { buyerId: user.id }, orderBy: { createdAt: "asc" } })).map(
        (a) => a.status,
      ),
    ).toEqual(["EXPIRED", "COMPLETED"]);
  });

  it("reuses a session close to its end instead of opening a second one beside it", async () => {
    const { product, user } = await setup();
    const first = await buy(user, product.id);
    // Two minutes left: the old 5-minute margin opened a second payable session here.
    await db().checkoutAttempt.update({
      where: { id: first.attemptId },
      data: { expiresAt: new Date(Date.now() + 2 * 60_000) },
    });
    const again = await buy(user, product.id);
    expect(await openSessionsOf(user.id)).toHaveLength(1);
    expect(again.url).toBe(first.url);
    await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(again.url));
    await stripeEnv.settle();
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(1);
  });

  it("refunds a second paid session for a product the buyer already owns, audits it and alerts staff", async () => {
    const { product, user } = await setup(2_600);
    const first = await buy(user, product.id);
    // Our record lost track of the first session (it still is payable on Stripe), and the price changed.
    await db().checkoutAttempt.update({ where: { id: first.attemptId }, data: { status: "EXPIRED" } });
    await changePrice(product.id, 2_900);
    const second = await buy(user, product.id);
    expect(second.url).not.toBe(first.url);
    await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(first.url));
    await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(second.url));
    await stripeEnv.settle();

    // Both payments are recorded; only one grants access.
    const orders = await db().order.findMany({
      where: { buyerId: user.id },
      include: { entitlements: true, refunds: true },
      orderBy: { number: "asc" },
    });
    expect(orders).toHaveLength(2);
    const granting = orders.flatMap((o) => o.entitlements).filter((e) => ["ACTIVE", "RESTORED"].includes(e.status));
    expect(granting).toHaveLength(1);
    const [kept, duplicate] = orders;
    expect(kept!.status).toBe("PAID");
    expect(duplicate!.status).toBe("REFUNDED");
    expect(duplicate!.refundedAmount).toBe(duplicate!.totalAmount);
    expect(duplicate!.entitlements.map((e) => e.status)).toEqual(["REVOKED"]);
    expect(duplicate!.refunds).toHaveLength(1);
    expect(duplicate!.refunds[0]).toMatchObject({
      status: "SUCCEEDED",
      reason: "duplicate",
      amount: duplicate!.totalAmount,
    });
    // Stripe agrees: the duplicate charge is refunded in full, the kept one not at all.
    expect((await stripe.charges.retrieve(duplicate!.stripeChargeId!)).amount_refunded).toBe(duplicate!.totalAmount);
    expect((await stripe.charges.retrieve(kept!.stripeChargeId!)).amount_refunded).toBe(0);
    // Audited and alerted, once.
    expect(await db().auditLog.count({ where: { action: "order.duplicate_payment", entityId: duplicate!.id } })).toBe(
      1,
    );
    const alerts = await db().staffAlert.findMany({
      where: { kind: "duplicate_payment_refunded", orderId: duplicate!.id },
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.dedupeKey).toBe(`duplicate:${duplicate!.stripeCheckoutSessionId}`);
  });
});

describe("defect 4: a delayed (bank) payment that fails later", () => {
  it("closes the attempt as failed, and Buy then opens a new session", async () => {
    await setPaymentMethods(stripeEnv.url, ["card", "us_bank_account"]);
    const { product, user } = await setup();
    const first = await buy(user, product.id);
    const paid = await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(first.url), {
      us_bank_account: { account_number: "000111111113" },
    });
    expect(paid.status).toBe("processing");
    await stripeEnv.settle();
    // While the bank processes it, Buy neither sends the buyer to the completed page nor opens a second payment.
    const whileProcessing = await buy(user, product.id).catch((error: unknown) => error);
    expect(isDomainError(whileProcessing, "payment_processing"), String(whileProcessing)).toBe(true);
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(0);

    await settleDelayedPayment(stripeEnv.url, paid.payment_intent!);
    await stripeEnv.settle();
    const attempt = await db().checkoutAttempt.findUniqueOrThrow({ where: { id: first.attemptId } });
    expect(attempt.status).toBe("FAILED");
    expect(attempt.failureMessage).toMatch(/closed/);
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(0);

    const retry = await buy(user, product.id);
    expect(retry.url).not.toBe(first.url);
    expect((await stripe.checkout.sessions.retrieve(sessionIdOf(retry.url))).status).toBe("open");
    await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(retry.url));
    await stripeEnv.settle();
    expect(await db().order.count({ where: { buyerId: user.id, status: "PAID" } })).toBe(1);
  });

  it("fulfills a delayed payment when it succeeds (async_payment_succeeded)", async () => {
    await setPaymentMethods(stripeEnv.url, ["card", "us_bank_account"]);
    const { product, user } = await setup();
    const checkout = await buy(user, product.id);
    const paid = await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(checkout.url), {
      us_bank_account: { account_number: "000123456789" },
    });
    await stripeEnv.settle();
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(0);
    expect(
      await confirmCheckout({ buyerId: user.id, sessionId: sessionIdOf(checkout.url), actor: SYSTEM_ACTOR }),
    ).toEqual({
      state: "processing",
    });
    await settleDelayedPayment(stripeEnv.url, paid.payment_intent!);
    await stripeEnv.settle();
    const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id }, include: { entitlements: true } });
    expect(order.status).toBe("PAID");
    expect(order.entitlements.map((e) => e.status)).toEqual(["ACTIVE"]);
    expect((await db().checkoutAttempt.findUniqueOrThrow({ where: { id: checkout.attemptId } })).status).toBe(
      "COMPLETED",
    );
  });
});

describe("defect 1: refunds and disputes that happen before fulfillment", () => {
  /** Pays a session with every event of the payment dropped: the order does not exist yet. */
  async function paidWithoutOrder() {
    const { product, user } = await setup(3_100);
    const checkout = await buy(user, product.id);
    await controls.setWebhookControls(stripeEnv.url, { drop: 1000 });
    await controls.payCheckoutSession(stripeEnv.url, sessionIdOf(checkout.url));
    await stripeEnv.settle();
    await controls.setWebhookControls(stripeEnv.url, { drop: 0 });
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(0);
    const sessionId = sessionIdOf(checkout.url);
    const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ["payment_intent"] });
    const chargeId = (session.payment_intent as Stripe.PaymentIntent).latest_charge as string;
    const completed = (await stripe.events.list({ type: "checkout.session.completed", limit: 100 })).data.find(
      (e) => (e.data.object as Stripe.Checkout.Session).id === sessionId,
    )!;
    return { product, user, sessionId, chargeId, completedEventId: completed.id };
  }

  /**
   * The money events delivered before the order exists are stored, not processed: they wait (retried) with
   * `not_recorded_yet`, and are processed once the order is there.
   */
  async function expectWaitingForOrder(types: string[]) {
    await controls.waitForWebhooks(stripeEnv.url, 15_000);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const events = await db().stripeEvent.findMany({ where: { type: { in: types }, processedAt: null } });
      const waiting = events.filter((e) => /not recorded yet/.test(e.processingError ?? ""));
      if (waiting.length) return waiting.map((e) => e.id);
      if (Date.now() > deadline) throw new Error(`no ${types.join("/")} event is waiting for its order`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function expectProcessed(eventIds: string[]) {
    await stripeEnv.settle();
    for (const id of eventIds) {
      const event = await db().stripeEvent.findUniqueOrThrow({ where: { id } });
      expect(event.processedAt, id).not.toBeNull();
      expect(event.deadAt, id).toBeNull();
    }
  }

  it("a full refund in Stripe's dashboard before checkout.session.completed: the order is born refunded", async () => {
    const { user, chargeId, completedEventId } = await paidWithoutOrder();
    await stripe.refunds.create({ charge: chargeId }); // the dashboard's full refund: no metadata of ours
    const waiting = await expectWaitingForOrder(["refund.created", "refund.updated", "charge.refunded"]);
    expect(await db().refund.count({ where: { order: { buyerId: user.id } } })).toBe(0);
    await resendEvent(stripeEnv.url, completedEventId);
    await expectProcessed(waiting);
    const order = await db().order.findFirstOrThrow({
      where: { buyerId: user.id },
      include: { entitlements: true, refunds: true },
    });
    expect(order.status).toBe("REFUNDED");
    expect(order.refundedAmount).toBe(3_100);
    expect(order.refunds.map((r) => [r.status, r.amount])).toEqual([["SUCCEEDED", 3_100]]);
    expect(order.entitlements.map((e) => e.status)).toEqual(["REVOKED"]);
  });

  it("a partial refund before fulfillment, fulfilled by the success page: the order it records is refunded", async () => {
    const { user, sessionId, chargeId } = await paidWithoutOrder();
    await stripe.refunds.create({ charge: chargeId, amount: 1_000 });
    const waiting = await expectWaitingForOrder(["refund.created", "refund.updated", "charge.refunded"]);
    const response = await callRoute(
      successLoader,
      getRequest(`/checkout/success?session_id=${sessionId}`, { cookie: await sessionCookie(user.id) }),
    );
    expect(response.status).toBe(200);
    const page = (await response.json()) as { state: string; order: { number: number } };
    expect(page.state).toBe("paid");
    const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id }, include: { entitlements: true } });
    expect(page.order.number).toBe(order.number);
    expect(order).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 1_000 });
    expect(order.entitlements.map((e) => e.status)).toEqual(["ACTIVE"]);
    // The waiting events then find the refund recorded by fulfillment and change nothing.
    await expectProcessed(waiting);
    expect(await db().order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ refundedAmount: 1_000 });
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(1);
  });

  it("a dispute opened before fulfillment: the order is born disputed with its access frozen", async () => {
    const { user, chargeId, completedEventId } = await paidWithoutOrder();
    await controls.openDispute(stripeEnv.url, chargeId);
    const waiting = await expectWaitingForOrder(["charge.dispute.created", "charge.dispute.funds_withdrawn"]);
    await resendEvent(stripeEnv.url, completedEventId);
    await expectProcessed(waiting);
    const order = await db().order.findFirstOrThrow({
      where: { buyerId: user.id },
      include: { entitlements: true, disputes: true },
    });
    expect(order.status).toBe("DISPUTED");
    expect(order.disputes.map((d) => d.outcome)).toEqual(["OPEN"]);
    expect(order.entitlements.map((e) => e.status)).toEqual(["FROZEN"]);
  });
});
