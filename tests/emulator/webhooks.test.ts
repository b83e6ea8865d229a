import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import {
  flushWebhooks,
  listDeliveries,
  payCheckoutSession,
  releaseHeldWebhooks,
  resendEvent,
  setWebhookControls,
  waitForWebhooks,
  completeOnboarding,
} from "../../scripts/stripe-emulator/testing.js";
import { boot, destinationSession, onboardedAccount, receiver } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
let rx: Awaited<ReturnType<typeof receiver>>;
let failFirst = 0;

beforeAll(async () => {
  rx = await receiver(() => (failFirst > 0 ? (failFirst--, 500) : 200));
  ({ em, stripe } = await boot({ webhookUrl: rx.url }));
});
afterAll(async () => {
  await em.close();
  await rx.close();
});
afterEach(async () => {
  await waitForWebhooks(em.url);
  rx.received.length = 0;
  failFirst = 0;
});

describe("webhook delivery", () => {
  it("signs deliveries so constructEvent accepts them, in Stripe's event order", async () => {
    const seller = await onboardedAccount(em, stripe);
    await waitForWebhooks(em.url);
    rx.received.length = 0;
    const s = await destinationSession(stripe, seller.id);
    await payCheckoutSession(em.url, s.id);
    expect(await waitForWebhooks(em.url)).toBe(true);
    const types = rx.received.map((r) => r.event.type).filter((t) => !t.startsWith("product."));
    expect(types).toEqual([
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.completed",
      "application_fee.created",
      "transfer.created",
    ]);
    for (const r of rx.received) {
      const ev = stripe.webhooks.constructEvent(r.body, r.headers["stripe-signature"] as string, em.webhookSecret);
      expect(ev.id).toBe(r.event.id);
    }
    expect(() =>
      stripe.webhooks.constructEvent(
        rx.received[0].body,
        rx.received[0].headers["stripe-signature"] as string,
        "whsec_wrong",
      ),
    ).toThrow(/No signatures found/);
    const completed = rx.received.find((r) => r.event.type === "checkout.session.completed")!.event.data
      .object as Stripe.Checkout.Session;
    expect(completed.id).toBe(s.id);
    expect(completed.payment_status).toBe("paid");
    expect(completed).not.toHaveProperty("__pi");
  });

  it("endpoints get their own whsec_ secret; connect endpoints receive account events with `account`", async () => {
    const platformRx = await receiver();
    const connectRx = await receiver();
    try {
      const we = await stripe.webhookEndpoints.create({ url: platformRx.url, enabled_events: ["product.created"] });
      expect(we.secret).toMatch(/^whsec_/);
      const again = await stripe.webhookEndpoints.retrieve(we.id);
      expect(again.secret).toBeUndefined();
      const cwe = await stripe.webhookEndpoints.create({ url: connectRx.url, enabled_events: ["*"], connect: true });
      await stripe.products.create({ name: "Hook" });
      await stripe.customers.create({ email: "nohook@example.com" });
      const acct = await stripe.accounts.create({ type: "express", capabilities: { transfers: { requested: true } } });
      await completeOnboarding(em.url, acct.id);
      await waitForWebhooks(em.url);
      expect(platformRx.received.map((r) => r.event.type)).toEqual(["product.created"]);
      stripe.webhooks.constructEvent(
        platformRx.received[0].body,
        platformRx.received[0].headers["stripe-signature"] as string,
        we.secret!,
      );
      const acctEv = connectRx.received.find((r) => r.event.type === "account.updated")!;
      expect(acctEv.event.account).toBe(acct.id);
      stripe.webhooks.constructEvent(acctEv.body, acctEv.headers["stripe-signature"] as string, cwe.secret!);
      expect(connectRx.received.every((r) => r.event.account === acct.id)).toBe(true);
      const list = await stripe.webhookEndpoints.list();
      expect(list.data.map((w) => w.id)).toEqual(expect.arrayContaining([we.id, cwe.id]));
      await stripe.webhookEndpoints.del(we.id);
      await stripe.webhookEndpoints.del(cwe.id);
    } finally {
      await platformRx.close();
      await connectRx.close();
    }
  });

  it("retries after a 500 with back-off and records every attempt", async () => {
    failFirst = 2;
    const c = await stripe.customers.create({ email: "retry@example.com" });
    expect(await waitForWebhooks(em.url)).toBe(true);
    const ev = (await stripe.events.list({ type: "customer.created", limit: 1 })).data[0];
    expect((ev.data.object as Stripe.Customer).id).toBe(c.id);
    const [d] = await listDeliveries(em.url, { event: ev.id });
    expect(d.status).toBe("succeeded");
    expect(d.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(rx.received.filter((r) => r.event.id === ev.id)).toHaveLength(3);
    const fresh = await stripe.events.retrieve(ev.id);
    expect(fresh.pending_webhooks).toBe(0);
  });

  it("gives up after the retry schedule and flush forces pending retries", async () => {
    failFirst = 100;
    await stripe.customers.create({ email: "fail@example.com" });
    await flushWebhooks(em.url);
    expect(await waitForWebhooks(em.url)).toBe(true);
    const ds = await listDeliveries(em.url, { type: "customer.created" });
    const last = ds[ds.length - 1];
    expect(last.status).toBe("failed");
    expect(last.attempts).toHaveLength(4); // first try + 3 retries
    const failedEvents = await stripe.events.list({ delivery_success: false });
    expect(failedEvents.data.map((e) => e.id)).toContain(last.event);
    failFirst = 0;
    rx.received.length = 0;
    const resent = await resendEvent(em.url, last.event);
    expect(resent).toHaveLength(1);
    await waitForWebhooks(em.url);
    expect(rx.received.map((r) => r.event.id)).toEqual([last.event]);
  });

  it("duplicate, reorder and drop controls", async () => {
    await setWebhookControls(em.url, { duplicate: 1 });
    const a = await stripe.customers.create({ email: "dup@example.com" });
    await waitForWebhooks(em.url);
    const dupIds = rx.received.map((r) => r.event.id);
    expect(dupIds).toHaveLength(2);
    expect(dupIds[0]).toBe(dupIds[1]);
    expect((rx.received[0].event.data.object as Stripe.Customer).id).toBe(a.id);

    rx.received.length = 0;
    await setWebhookControls(em.url, { reorder: 3 });
    const names: string[] = [];
    for (const n of ["r1", "r2", "r3"]) names.push((await stripe.customers.create({ email: `${n}@example.com` })).id);
    await waitForWebhooks(em.url);
    expect(rx.received.map((r) => (r.event.data.object as Stripe.Customer).id)).toEqual([...names].reverse());

    rx.received.length = 0;
    await setWebhookControls(em.url, { reorder: 5 });
    await stripe.customers.create({ email: "held@example.com" });
    expect(rx.received).toHaveLength(0);
    await releaseHeldWebhooks(em.url);
    await waitForWebhooks(em.url);
    expect(rx.received).toHaveLength(1);

    rx.received.length = 0;
    await setWebhookControls(em.url, { drop: 1 });
    const dropped = await stripe.customers.create({ email: "drop@example.com" });
    const kept = await stripe.customers.create({ email: "kept@example.com" });
    await waitForWebhooks(em.url);
    expect(rx.received.map((r) => (r.event.data.object as Stripe.Customer).id)).toEqual([kept.id]);
    const ds = await listDeliveries(em.url, { type: "customer.created" });
    expect(ds.some((d) => d.status === "dropped")).toBe(true);
    const evs = await stripe.events.list({ type: "customer.created", limit: 2 });
    expect((evs.data[1].data.object as Stripe.Customer).id).toBe(dropped.id);

    rx.received.length = 0;
    const ctl = await setWebhookControls(em.url, { delay_ms: 50 });
    expect(ctl.delayMs).toBe(50);
    await stripe.customers.create({ email: "delayed@example.com" });
    await waitForWebhooks(em.url);
    expect(rx.received).toHaveLength(1);
    await setWebhookControls(em.url, { delay_ms: 0 });
  });
});

describe("events API", () => {
  it("retrieves and filters by type, types[] with wildcards, and created", async () => {
    const p = await stripe.products.create({ name: "Evt" });
    await stripe.products.update(p.id, { name: "Evt2" });
    const byType = await stripe.events.list({ type: "product.updated", limit: 1 });
    expect(byType.data[0].type).toBe("product.updated");
    expect((byType.data[0].data.previous_attributes as { name: string }).name).toBe("Evt");
    const wildcard = await stripe.events.list({ type: "product.*" });
    expect(wildcard.data.every((e) => e.type.startsWith("product."))).toBe(true);
    const multi = await stripe.events.list({ types: ["product.created", "product.updated"], limit: 100 });
    expect(new Set(multi.data.map((e) => e.type))).toEqual(new Set(["product.created", "product.updated"]));
    const ev = await stripe.events.retrieve(byType.data[0].id);
    expect(ev.api_version).toBe("2026-10-28.endive");
    const future = await stripe.events.list({ created: { gt: ev.created + 1000 } });
    expect(future.data).toHaveLength(0);
    const recent = await stripe.events.list({ created: { gte: ev.created }, type: "product.updated" });
    expect(recent.data.map((e) => e.id)).toContain(ev.id);
    await expect(stripe.events.list({ type: "x", types: ["y"] })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("refund events are emitted", async () => {
    const seller = await onboardedAccount(em, stripe);
    const s = await destinationSession(stripe, seller.id);
    const r = await payCheckoutSession(em.url, s.id);
    await waitForWebhooks(em.url);
    rx.received.length = 0;
    await stripe.refunds.create({
      payment_intent: r.payment_intent!,
      amount: 100,
      reverse_transfer: true,
      refund_application_fee: true,
    });
    await waitForWebhooks(em.url);
    expect(rx.received.map((x) => x.event.type)).toEqual([
      "refund.created",
      "charge.refunded",
      "transfer.reversed",
      "application_fee.refunded",
      "refund.updated",
    ]);
  });
});
