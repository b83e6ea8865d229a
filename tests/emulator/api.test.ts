import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { startStripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { advanceClock, completeOnboarding, payCheckoutSession } from "../../scripts/stripe-emulator/testing.js";
import { boot, client, destinationSession, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
beforeAll(async () => ({ em, stripe } = await boot()));
afterAll(async () => em.close());

describe("auth and wire format", () => {
  it("rejects a missing or non-test key with 401", async () => {
    const bad = client(em, "sk_live_nope");
    await expect(bad.customers.list()).rejects.toMatchObject({ type: "StripeAuthenticationError", statusCode: 401 });
    const res = await fetch(`${em.url}/v1/customers`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("You did not provide an API key");
  });
  it("only accepts the fixed key when started with one", async () => {
    const e2 = await startStripeEmulator({ port: 0, secretKey: "sk_test_only" });
    try {
      await expect(client(e2, "sk_test_other").customers.list()).rejects.toMatchObject({ statusCode: 401 });
      const list = await client(e2, "sk_test_only").customers.list();
      expect(list.object).toBe("list");
    } finally {
      await e2.close();
    }
  });
  it("returns Request-Id headers and Stripe-shaped objects", async () => {
    const c = await stripe.customers.create({ email: "a@example.com", metadata: { user_id: "u1" } });
    expect(c.id).toMatch(/^cus_/);
    expect(c.object).toBe("customer");
    expect(c.livemode).toBe(false);
    expect(c.metadata).toEqual({ user_id: "u1" });
    expect(c.lastResponse.requestId).toMatch(/^req_/);
  });
  it("rejects unknown parameters and missing required ones", async () => {
    await expect(
      stripe.products.create({ name: "x", bogus: 1 } as unknown as Stripe.ProductCreateParams),
    ).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "parameter_unknown",
      param: "bogus",
      statusCode: 400,
    });
    await expect(stripe.products.create({} as Stripe.ProductCreateParams)).rejects.toMatchObject({
      code: "parameter_missing",
      param: "name",
    });
    await expect(
      stripe.prices.create({
        currency: "usd",
        unit_amount: 100,
        product_data: { name: "p" },
        recurring: { interval_count: 2 },
      } as unknown as Stripe.PriceCreateParams),
    ).rejects.toMatchObject({ code: "parameter_missing", param: "recurring[interval]" });
  });
  it("scopes requests with Stripe-Account and rejects unknown accounts", async () => {
    await expect(stripe.customers.list({}, { stripeAccount: "acct_unknown" })).rejects.toMatchObject({
      statusCode: 403,
      code: "account_invalid",
    });
    const acct = await stripe.accounts.create({ type: "express" });
    const c = await stripe.customers.create({ email: "scoped@example.com" }, { stripeAccount: acct.id });
    await expect(stripe.customers.retrieve(c.id)).rejects.toMatchObject({ statusCode: 404 });
    const same = await stripe.customers.retrieve(c.id, {}, { stripeAccount: acct.id });
    expect((same as Stripe.Customer).email).toBe("scoped@example.com");
  });
  it("404s unknown objects with resource_missing", async () => {
    await expect(stripe.charges.retrieve("ch_nope")).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      message: "No such charge: 'ch_nope'",
    });
  });
});

describe("idempotency", () => {
  it("replays the first response and rejects different params", async () => {
    const a = await stripe.customers.create({ email: "i@example.com" }, { idempotencyKey: "k-1" });
    const b = await stripe.customers.create({ email: "i@example.com" }, { idempotencyKey: "k-1" });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    await expect(
      stripe.customers.create({ email: "other@example.com" }, { idempotencyKey: "k-1" }),
    ).rejects.toMatchObject({
      type: "StripeIdempotencyError",
      statusCode: 400,
    });
    const list = await stripe.customers.list({ email: "i@example.com" });
    expect(list.data).toHaveLength(1);
  });
  it("replays errors too", async () => {
    const p = { charge: "ch_missing" };
    const e1 = (await stripe.refunds
      .create(p, { idempotencyKey: "k-err" })
      .catch((e: unknown) => e)) as Stripe.errors.StripeError;
    const e2 = (await stripe.refunds
      .create(p, { idempotencyKey: "k-err" })
      .catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(e1.statusCode).toBe(404);
    expect(e2.statusCode).toBe(404);
    expect(e2.headers?.["idempotent-replayed"]).toBe("true");
  });
});

describe("catalog and lists", () => {
  it("creates products and prices with lookup keys and paginates", async () => {
    const prod = await stripe.products.create({ name: "Course" });
    expect(prod.id).toMatch(/^prod_/);
    const one = await stripe.prices.create({
      product: prod.id,
      currency: "usd",
      unit_amount: 1500,
      lookup_key: "course_std",
    });
    const rec = await stripe.prices.create({
      product: prod.id,
      currency: "usd",
      unit_amount: 900,
      recurring: { interval: "month" },
    });
    expect(one.type).toBe("one_time");
    expect(rec.type).toBe("recurring");
    expect(rec.recurring?.interval).toBe("month");
    await expect(
      stripe.prices.create({ product: prod.id, currency: "usd", unit_amount: 1, lookup_key: "course_std" }),
    ).rejects.toMatchObject({ code: "lookup_key_exists" });
    const byKey = await stripe.prices.list({ lookup_keys: ["course_std"], expand: ["data.product"] });
    expect(byKey.data.map((p) => p.id)).toEqual([one.id]);
    expect((byKey.data[0].product as Stripe.Product).name).toBe("Course");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await stripe.products.create({ name: `P${i}` })).id);
    const page1 = await stripe.products.list({ limit: 2 });
    expect(page1.data.map((p) => p.id)).toEqual([ids[4], ids[3]]);
    expect(page1.has_more).toBe(true);
    const page2 = await stripe.products.list({ limit: 2, starting_after: ids[3] });
    expect(page2.data.map((p) => p.id)).toEqual([ids[2], ids[1]]);
    const back = await stripe.products.list({ limit: 2, ending_before: ids[2] });
    expect(back.data.map((p) => p.id)).toEqual([ids[4], ids[3]]);
    expect(back.has_more).toBe(false);
    const all: string[] = [];
    for await (const p of stripe.products.list({ limit: 3 })) all.push(p.id);
    expect(all.length).toBeGreaterThanOrEqual(6);
    await expect(stripe.products.list({ limit: 101 })).rejects.toMatchObject({ param: "limit" });
  });
  it("updates and deletes customers", async () => {
    const c = await stripe.customers.create({ email: "u@example.com" });
    const u = await stripe.customers.update(c.id, { name: "U", metadata: { a: "1" } });
    expect(u.name).toBe("U");
    const d = await stripe.customers.del(c.id);
    expect(d.deleted).toBe(true);
    await expect(stripe.customers.retrieve(c.id)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("connect accounts", () => {
  it("creates, lists, updates, links and deletes express accounts", async () => {
    const acct = await stripe.accounts.create({
      type: "express",
      email: "s@example.com",
      capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
    });
    expect(acct.id).toMatch(/^acct_/);
    expect(acct.charges_enabled).toBe(false);
    expect(acct.details_submitted).toBe(false);
    expect(acct.requirements?.currently_due?.length).toBeGreaterThan(0);
    expect(acct.capabilities?.transfers).toBe("inactive");
    const link = await stripe.accountLinks.create({
      account: acct.id,
      type: "account_onboarding",
      refresh_url: "http://x/refresh",
      return_url: "http://x/return",
    });
    expect(link.url.startsWith(`${em.url}/`)).toBe(true);
    expect(link.expires_at - link.created).toBe(300);
    await expect(
      stripe.accountLinks.create({
        account: acct.id,
        type: "account_onboarding",
        return_url: "http://x",
      } as Stripe.AccountLinkCreateParams),
    ).rejects.toMatchObject({ param: "refresh_url" });
    await expect(stripe.accounts.createLoginLink(acct.id)).rejects.toMatchObject({ statusCode: 400 });
    const done = await completeOnboarding(em.url, acct.id);
    expect(done.charges_enabled && done.payouts_enabled && done.details_submitted).toBe(true);
    const fetched = await stripe.accounts.retrieve(acct.id);
    expect(fetched.capabilities?.transfers).toBe("active");
    const ll = await stripe.accounts.createLoginLink(acct.id);
    expect(ll.url.startsWith(`${em.url}/express/`)).toBe(true);
    const upd = await stripe.accounts.update(acct.id, { metadata: { seller: "7" } });
    expect(upd.metadata).toEqual({ seller: "7" });
    const list = await stripe.accounts.list({ limit: 100 });
    expect(list.data.some((a) => a.id === acct.id)).toBe(true);
    const events = await stripe.events.list({ type: "account.updated" }, { stripeAccount: acct.id });
    expect(events.data.length).toBeGreaterThanOrEqual(1);
    expect(events.data[0].account).toBe(acct.id);
    const del = await stripe.accounts.del(acct.id);
    expect(del.deleted).toBe(true);
    await expect(stripe.accounts.retrieve(acct.id)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("checkout sessions", () => {
  it("validates sessions", async () => {
    const acct = await stripe.accounts.create({ type: "express" });
    await expect(destinationSession(stripe, acct.id)).rejects.toMatchObject({
      code: "insufficient_capabilities_for_transfer",
    });
    await expect(stripe.checkout.sessions.create({ mode: "payment", success_url: "http://x" })).rejects.toMatchObject({
      param: "line_items",
    });
    await expect(
      stripe.checkout.sessions.create({
        mode: "payment",
        success_url: "http://x",
        line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 20, product_data: { name: "x" } } }],
      }),
    ).rejects.toMatchObject({ code: "amount_too_small" });
    await expect(
      stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 2000, product_data: { name: "x" } } }],
      }),
    ).rejects.toMatchObject({ param: "success_url" });
  });
  it("creates, retrieves, lists line items, expires", async () => {
    const seller = await onboardedAccount(em, stripe);
    const price = await stripe.prices.create({
      currency: "usd",
      unit_amount: 2500,
      product_data: { name: "Preset pack" },
    });
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 2 }],
      payment_intent_data: {
        application_fee_amount: 500,
        transfer_data: { destination: seller.id },
        on_behalf_of: seller.id,
      },
      success_url: "http://localhost/ok?cs={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost/cancel",
      expires_at: Math.floor(Date.now() / 1000) + 3600,
    });
    expect(s.id).toMatch(/^cs_test_/);
    expect(s.url).toBe(`${em.url}/c/pay/${s.id}`);
    expect(s.amount_total).toBe(5000);
    expect(s.status).toBe("open");
    expect(s.payment_status).toBe("unpaid");
    expect(s.payment_intent).toBeNull();
    const li = await stripe.checkout.sessions.listLineItems(s.id);
    expect(li.data[0].quantity).toBe(2);
    expect(li.data[0].price?.id).toBe(price.id);
    const withItems = await stripe.checkout.sessions.retrieve(s.id, { expand: ["line_items"] });
    expect(withItems.line_items?.data[0].amount_total).toBe(5000);
    const exp = await stripe.checkout.sessions.expire(s.id);
    expect(exp.status).toBe("expired");
    expect(exp.url).toBeNull();
    await expect(stripe.checkout.sessions.expire(s.id)).rejects.toMatchObject({ statusCode: 400 });
    await expect(payCheckoutSession(em.url, s.id)).rejects.toThrow(/no longer open/);
    const list = await stripe.checkout.sessions.list({ status: "expired" });
    expect(list.data.map((x) => x.id)).toContain(s.id);
  });
  it("pays with a card and links the payment objects", async () => {
    const seller = await onboardedAccount(em, stripe);
    const s = await destinationSession(stripe, seller.id);
    const r = await payCheckoutSession(em.url, s.id);
    expect(r.status).toBe("succeeded");
    const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["payment_intent.latest_charge"] });
    expect(done.status).toBe("complete");
    expect(done.payment_status).toBe("paid");
    expect(done.client_reference_id).toBe("order_1");
    expect(done.customer_details?.email).toBe("buyer@example.com");
    const pi = done.payment_intent as Stripe.PaymentIntent;
    expect(pi.status).toBe("succeeded");
    expect(pi.metadata).toEqual({ order: "o_1" });
    const ch = pi.latest_charge as Stripe.Charge;
    expect(ch.id).toMatch(/^ch_/);
    expect(ch.paid).toBe(true);
    expect(ch.application_fee_amount).toBe(1000);
    expect(ch.transfer_data?.destination).toBe(seller.id);
    const declined = await destinationSession(stripe, seller.id);
    const d = await payCheckoutSession(em.url, declined.id, { card: "4000000000009995" });
    expect(d.status).toBe("failed");
    expect(d.error).toMatchObject({
      code: "card_declined",
      decline_code: "insufficient_funds",
      message: "Your card has insufficient funds.",
    });
    const again = await stripe.checkout.sessions.retrieve(declined.id);
    expect(again.status).toBe("open");
    const auth = await payCheckoutSession(em.url, declined.id, { card: "4000002500003155", authenticate: "fail" });
    expect(auth.status).toBe("failed");
    const ok = await payCheckoutSession(em.url, declined.id, { card: "4000002500003155" });
    expect(ok.status).toBe("succeeded");
  });
});

describe("persistence", () => {
  it("state survives a restart through the snapshot file", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stripe-emu-")), "state.json");
    const a = await startStripeEmulator({ port: 0, snapshotFile: file });
    const c = await client(a).customers.create({ email: "persist@example.com" });
    await a.close();
    const b = await startStripeEmulator({ port: 0, snapshotFile: file });
    try {
      const again = await client(b).customers.retrieve(c.id);
      expect((again as Stripe.Customer).email).toBe("persist@example.com");
    } finally {
      await b.close();
    }
  });
});

describe("fault injection", () => {
  it("answers 500 for the next N matching requests; stripe-node retries through it", async () => {
    await fetch(`${em.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/v1/customers", count: 1, status: 500 }),
    });
    const retrying = client(em, em.secretKey, 2);
    const c = await retrying.customers.create({ email: "f@example.com" });
    expect(c.id).toMatch(/^cus_/);
    await fetch(`${em.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/v1/customers", count: 1, status: 429 }),
    });
    await expect(stripe.customers.list()).rejects.toMatchObject({ type: "StripeRateLimitError", statusCode: 429 });
    const list = await stripe.customers.list();
    expect(list.object).toBe("list");
  });
});

describe("hanging requests", () => {
  it("a hang fault makes stripe-node time out", async () => {
    await fetch(`${em.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/v1/balance", count: 1, status: "hang" }),
    });
    const u = new URL(em.url);
    const impatient = new Stripe(em.secretKey, {
      host: u.hostname,
      port: Number(u.port),
      protocol: "http",
      timeout: 300,
      maxNetworkRetries: 0,
    });
    await expect(impatient.balance.retrieve()).rejects.toMatchObject({ type: "StripeConnectionError" });
    const b = await impatient.balance.retrieve();
    expect(b.object).toBe("balance");
  });
});

describe("emulated clock", () => {
  it("expires account links (redirect to refresh_url) and checkout sessions", async () => {
    const acct = await stripe.accounts.create({ type: "express" });
    const link = await stripe.accountLinks.create({
      account: acct.id,
      type: "account_onboarding",
      refresh_url: "http://app.test/refresh",
      return_url: "http://app.test/return",
    });
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      success_url: "http://app.test/ok",
      expires_at: Math.floor(Date.now() / 1000) + 1800,
      line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 1000, product_data: { name: "x" } } }],
    });
    await advanceClock(em.url, 301);
    const res = await fetch(link.url, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("http://app.test/refresh");
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    await advanceClock(em.url, 1800);
    const expired = await stripe.checkout.sessions.retrieve(s.id);
    expect(expired.status).toBe("expired");
    const evs = await stripe.events.list({ type: "checkout.session.expired" });
    expect(evs.data.map((e) => (e.data.object as Stripe.Checkout.Session).id)).toContain(s.id);
  });
  it("forgets idempotency keys after 24 hours", async () => {
    const a = await stripe.customers.create({ email: "day1@example.com" }, { idempotencyKey: "k-day" });
    await expect(
      stripe.customers.create({ email: "day2@example.com" }, { idempotencyKey: "k-day" }),
    ).rejects.toMatchObject({ type: "StripeIdempotencyError" });
    await advanceClock(em.url, 24 * 3600 + 1);
    const b = await stripe.customers.create({ email: "day2@example.com" }, { idempotencyKey: "k-day" });
    expect(b.id).not.toBe(a.id);
    expect(b.email).toBe("day2@example.com");
  });
});
