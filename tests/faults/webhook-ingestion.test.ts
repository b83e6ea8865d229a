// Fault suite: what reaches the webhook that is not a plain event for one of our objects — objects Stripe no longer
// has (defect 5), a connected account's own objects (defect 5), the other mode's events (defect 6), and bodies whose
// signature does not verify or that are signed but unreadable (defect 10). Each is acknowledged or refused without a
// retry loop, leaves a trace staff can see, and changes no money.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { refundOrder } from "#app/domain/refunds.server.ts";
import { action as webhookAction } from "#app/routes/api+/webhooks.stripe.ts";
import { db } from "#app/utils/db.server.ts";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { buyThroughCheckout, onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser } from "#tests/helpers/requests.ts";
import { startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
let stripe: Stripe;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
});
afterAll(async () => {
  if (stripeEnv) await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey);
  await stripeEnv?.stop();
});

let sequence = 0;
function event(type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    id: `evt_ingest_${Date.now()}_${sequence}`,
    object: "event",
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    api_version: "2026-10-28.clover",
    data: { object },
    ...extra,
  };
}

/** A signed delivery, as scripts/server.ts hands it to the route (the socket's address in x-client-ip). */
async function deliver(body: object | string, headers: Record<string, string> = {}, address = "203.0.113.7") {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeEnv.emulator.webhookSecret });
  return callRoute(
    webhookAction,
    new Request("http://localhost/api/webhooks/stripe", {
      method: "POST",
      headers: { "stripe-signature": signature, "x-client-ip": address, ...headers },
      body: payload,
    }),
  );
}

async function storedAfterProcessing(id: string) {
  await stripeEnv.settle();
  return db().stripeEvent.findUniqueOrThrow({ where: { id } });
}

describe("defect 5: objects Stripe no longer has, and a connected account's own objects", () => {
  it("acknowledges an event whose object is gone once, settles it as orphaned, and alerts only when we held it", async () => {
    const gone = event("refund.created", { id: "re_never_existed", object: "refund", status: "succeeded" });
    expect((await deliver(gone)).status).toBe(200);
    const stored = await storedAfterProcessing(gone.id);
    expect(stored).toMatchObject({ outcome: "orphaned", attempts: 1, deadAt: null });
    expect(stored.processedAt).not.toBeNull();
    expect(await db().staffAlert.count({ where: { stripeEventId: gone.id } })).toBe(0);

    // An account we have on file that Stripe answers 404 for (disconnected, deleted): settled, and staff alerted.
    const { user } = await createUser({ role: "CREATOR" });
    await db().creatorAccount.create({
      data: { userId: user.id, displayName: "Gone", slug: `gone-${user.id}`, stripeAccountId: "acct_gone_ingest" },
    });
    const held = event(
      "account.updated",
      { id: "acct_gone_ingest", object: "account" },
      { account: "acct_gone_ingest" },
    );
    expect((await deliver(held)).status).toBe(200);
    expect(await storedAfterProcessing(held.id)).toMatchObject({ outcome: "orphaned", attempts: 1 });
    const alerts = await db().staffAlert.findMany({ where: { stripeEventId: held.id } });
    expect(alerts.map((a) => a.kind)).toEqual(["event_orphaned"]);
    expect(alerts[0]!.message).toMatch(/acct_gone_ingest/);
  });

  it("reads a connected account's refund as that account (Stripe-Account), not as a missing platform object", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id, { amount: 3_000, currency: "usd" });
    const { user } = await createUser();
    await buyThroughCheckout(stripeEnv, user, product.id);
    const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id } });
    await refundOrder({
      orderId: order.id,
      amount: 3_000,
      reason: "requested_by_customer",
      reverseTransfer: true,
      refundApplicationFee: true,
      requestKey: `ingest-${order.id}`,
      actor: SYSTEM_ACTOR,
    });
    await stripeEnv.settle();
    // The transfer reversal's mirror on the creator's account: a refund only that account can read.
    const mirror = (await stripe.refunds.list({ limit: 1 }, { stripeAccount: creator.stripeAccountId! })).data[0]!;
    await expect(stripe.refunds.retrieve(mirror.id)).rejects.toMatchObject({ code: "resource_missing" });
    const connected = event("refund.created", { ...mirror }, { account: creator.stripeAccountId });
    expect((await deliver(connected)).status).toBe(200);
    const stored = await storedAfterProcessing(connected.id);
    expect(stored).toMatchObject({ outcome: null, processingError: null, attempts: 1 });
    expect(stored.processedAt).not.toBeNull();
    // It is not one of our orders' refunds: nothing was recorded twice.
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(1);
  });
});

describe("defect 6: an event from the other mode", () => {
  it("stores a live-mode event on a test deployment without processing it, and alerts staff once", async () => {
    const live = event(
      "checkout.session.completed",
      { id: "cs_live_ingest", object: "checkout.session", client_reference_id: "x", payment_status: "paid" },
      { livemode: true },
    );
    const first = await deliver(live);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, queued: false });
    expect((await deliver(live)).status).toBe(200); // Stripe's redelivery
    const stored = await storedAfterProcessing(live.id);
    expect(stored).toMatchObject({ outcome: "livemode_mismatch", attempts: 0, deliveries: 2, livemode: true });
    expect(stored.processedAt).not.toBeNull();
    const alerts = await db().staffAlert.findMany({ where: { stripeEventId: live.id } });
    expect(alerts.map((a) => a.kind)).toEqual(["livemode_mismatch"]);
    expect(alerts[0]!.message).toMatch(/live-mode checkout.session.completed .* reached this test deployment/);
  });
});

describe("defect 10: refused bodies leave a trace", () => {
  it("logs a bad signature with the sender's address, one row a minute per address however many arrive", async () => {
    const payload = JSON.stringify(event("charge.refunded", { id: "ch_forged" }));
    const before = await db().securityEvent.count({ where: { address: "198.51.100.23" } });
    for (let i = 0; i < 5; i++) {
      const response = await deliver(payload, { "stripe-signature": "t=1,v1=deadbeef" }, "198.51.100.23");
      expect(response.status).toBe(400);
    }
    const rows = await db().securityEvent.findMany({ where: { address: "198.51.100.23" } });
    expect(rows.length - before).toBe(1);
    expect(rows.at(-1)).toMatchObject({ kind: "webhook_signature" });
    expect(await db().stripeEvent.count({ where: { id: { contains: "ch_forged" } } })).toBe(0);
    // The body of an unsigned request is never kept.
    expect(await db().rejectedWebhook.count({ where: { rawBody: { equals: Buffer.from(payload) } } })).toBe(0);
  });

  it("keeps a signed but unreadable body byte for byte, with the reason, and answers 400", async () => {
    const body = '{"id": "evt_half", "type": 42}';
    const response = await deliver(body);
    expect(response.status).toBe(400);
    const kept = await db().rejectedWebhook.findFirstOrThrow({ orderBy: { receivedAt: "desc" } });
    expect(Buffer.from(kept.rawBody).toString("utf8")).toBe(body);
    expect(kept.signatureHeader).toMatch(/^t=\d+,v1=/);
    expect(kept.reason.length).toBeGreaterThan(0);
  });
});

describe("a stored event whose job was lost", () => {
  it("is queued again by the scheduled reconciliation's sweep, once, and processed", async () => {
    const { requeueEventsWithoutJob } = await import("#app/webhooks/process.server.ts");
    const lost = event("invoice.created", { id: "in_lost_job", object: "invoice", parent: null, status: "draft" });
    // As if the process died after storing it and its job vanished: a row, ten minutes old, and no job.
    await db().stripeEvent.create({
      data: {
        id: lost.id,
        type: lost.type,
        stripeCreatedAt: new Date(),
        receivedAt: new Date(Date.now() - 600_000),
        payload: JSON.parse(JSON.stringify(lost)),
      },
    });
    const young = event("invoice.created", { id: "in_young", object: "invoice", parent: null, status: "draft" });
    await db().stripeEvent.create({
      data: { id: young.id, type: young.type, stripeCreatedAt: new Date(), payload: JSON.parse(JSON.stringify(young)) },
    });
    expect(await requeueEventsWithoutJob()).toBe(1);
    expect(await requeueEventsWithoutJob()).toBe(0); // its job is waiting or running now: not queued twice
    // The young one is left to its own job (here it has none: the next sweep after two minutes takes it).
    await db().stripeEvent.update({ where: { id: young.id }, data: { dismissedAt: new Date() } });
    await stripeEnv.settle();
    expect((await db().stripeEvent.findUniqueOrThrow({ where: { id: lost.id } })).processedAt).not.toBeNull();
    expect((await db().stripeEvent.findUniqueOrThrow({ where: { id: young.id } })).attempts).toBe(0);
  });
});
