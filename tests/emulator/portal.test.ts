// Billing portal: API validation and the hosted page through plain HTTP form posts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { advanceClock, payCheckoutSession } from "../../scripts/stripe-emulator/testing.js";
import { boot, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
beforeAll(async () => ({ em, stripe } = await boot()));
afterAll(async () => em.close());

const JAN_1_2026 = 1767225600;
const FEB_1_2026 = 1769904000;
const RETURN = "http://localhost:3000/account";

async function member() {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1_2026 });
  const customer = await stripe.customers.create({ email: "fan@example.com", test_clock: clock.id });
  const seller = await onboardedAccount(em, stripe);
  const prod = await stripe.products.create({ name: "Creator Club" });
  const monthly = await stripe.prices.create({
    currency: "usd",
    unit_amount: 900,
    recurring: { interval: "month" },
    product: prod.id,
  });
  const yearly = await stripe.prices.create({
    currency: "usd",
    unit_amount: 9000,
    recurring: { interval: "year" },
    product: prod.id,
  });
  await stripe.prices.create({
    currency: "usd",
    unit_amount: 500,
    recurring: { interval: "month" },
    product: prod.id,
    active: false,
  });
  const s = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: monthly.id, quantity: 1 }],
    success_url: "http://localhost:3000/s",
    subscription_data: { application_fee_percent: 10, transfer_data: { destination: seller.id } },
  });
  const r = await payCheckoutSession(em.url, s.id);
  const sub = await stripe.subscriptions.retrieve(r.session.subscription as string);
  return { clock, customer, sub, monthly, yearly };
}

function post(url: string, body: Record<string, string>) {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body).toString(),
  });
}

describe("billing portal sessions API", () => {
  it("creates a session like Stripe's and rejects what is not emulated", async () => {
    const { customer } = await member();
    const s = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: RETURN, locale: "auto" });
    expect(s).toMatchObject({
      object: "billing_portal.session",
      customer: customer.id,
      return_url: RETURN,
      livemode: false,
      flow: null,
      locale: "auto",
      configuration: "bpc_emulator_default",
    });
    expect(s.id).toMatch(/^bps_/);
    expect(s.url).toMatch(new RegExp(`^${em.url}/p/session/test_`));
    await expect(stripe.billingPortal.sessions.create({ return_url: RETURN })).rejects.toMatchObject({
      code: "parameter_missing",
      param: "customer",
    });
    await expect(stripe.billingPortal.sessions.create({ customer: "cus_missing" })).rejects.toMatchObject({
      code: "resource_missing",
      param: "customer",
    });
    await expect(
      stripe.billingPortal.sessions.create({ customer: customer.id, flow_data: { type: "payment_method_update" } }),
    ).rejects.toMatchObject({ param: "flow_data" });
    await expect(
      stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "not a url" }),
    ).rejects.toMatchObject({ param: "return_url" });
    await expect(
      stripe.billingPortal.sessions.create({
        customer: customer.id,
        foo: "bar",
      } as Stripe.BillingPortal.SessionCreateParams),
    ).rejects.toMatchObject({ code: "parameter_unknown" });
  });
});

describe("hosted portal page", () => {
  it("shows subscriptions and invoices; cancel at period end, renew, switch to yearly through forms", async () => {
    const { customer, sub, yearly, clock } = await member();
    const s = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: RETURN });
    let html = await (await fetch(s.url)).text();
    expect(html).toContain("Test mode — Stripe emulator");
    expect(html).toContain("Creator Club");
    expect(html).toContain("$9.00 / month");
    expect(html).toContain("Next invoice: $9.00 on February 1, 2026");
    expect(html).toContain(`href="${RETURN}"`);
    expect(html).toContain("Switch to $90.00 / year");
    expect(html).not.toContain("$5.00"); // inactive price is not offered
    expect(html).not.toContain("<script");
    expect(html).toMatch(
      /<tr class="invoice"><td>January 1, 2026<\/td><td>\$9\.00<\/td><td>paid<\/td>\s*<td>subscription create<\/td>/,
    );

    const since = (await stripe.events.list({ limit: 1 })).data[0].id;
    const c = await post(s.url, { action: "cancel", sub: sub.id });
    expect(c.status).toBe(303);
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({
      cancel_at_period_end: true,
      cancel_at: FEB_1_2026,
      cancellation_details: { reason: "cancellation_requested" },
    });
    html = await (await fetch(new URL(c.headers.get("location")!, em.url))).text();
    expect(html).toContain("Cancels on February 1, 2026");
    expect(html).toContain("will be canceled at the end of the billing period");
    expect((await post(s.url, { action: "renew", sub: sub.id })).status).toBe(303);
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false);
    const updates = (await stripe.events.list({ ending_before: since, limit: 100 })).data
      .reverse()
      .filter((e) => e.type === "customer.subscription.updated");
    expect(updates.map((e) => e.data.previous_attributes)).toMatchObject([
      { cancel_at_period_end: false },
      { cancel_at_period_end: true },
    ]);

    // switch monthly -> yearly halfway through January: the interval change invoices now
    const t = JAN_1_2026 + 15 * 86400;
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t });
    expect((await post(s.url, { action: "switch", sub: sub.id, price: yearly.id })).status).toBe(303);
    const switched = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(switched.items.data[0].price.id).toBe(yearly.id);
    const credit = Math.round((900 * (FEB_1_2026 - t)) / (FEB_1_2026 - JAN_1_2026));
    expect(switched.latest_invoice).toMatchObject({
      status: "paid",
      total: 9000 - credit,
      billing_reason: "subscription_update",
    });
    expect((await post(s.url, { action: "switch", sub: sub.id, price: "price_unknown" })).status).toBe(402);
    expect((await post(s.url, { action: "cancel", sub: "sub_someone_else" })).status).toBe(402);
  });

  it("rejects bad card forms and declined cards without changing the card on file", async () => {
    const { customer } = await member();
    const s = await stripe.billingPortal.sessions.create({ customer: customer.id });
    const bad = await post(s.url, { action: "card", card: "4242 4242 4242 4241", exp: "12 / 34", cvc: "123" });
    expect(bad.status).toBe(402);
    expect(await bad.text()).toContain("Your card number is incorrect.");
    expect(
      await (await post(s.url, { action: "card", card: "4242424242424242", exp: "13 / 34", cvc: "123" })).text(),
    ).toContain("expiration date is incomplete");
    expect(
      await (await post(s.url, { action: "card", card: "4242424242424242", exp: "12 / 34", cvc: "1" })).text(),
    ).toContain("security code is incomplete");
    expect(
      await (await post(s.url, { action: "card", card: "4000000000009995", exp: "12 / 34", cvc: "123" })).text(),
    ).toContain("insufficient funds");
    const before = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    const ok = await post(s.url, { action: "card", card: "5555 5555 5555 4444", exp: "12 / 34", cvc: "123" });
    expect(ok.headers.get("location")).toContain("done=card");
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    expect(after.invoice_settings.default_payment_method).not.toBe(before.invoice_settings.default_payment_method);
    expect(await (await fetch(s.url)).text()).toContain("Card ending in 4444");
  });

  it("unknown links 404; links expire 5 minutes after creation unless opened (emulator clock)", async () => {
    const { customer } = await member();
    expect((await fetch(`${em.url}/p/session/test_nope`)).status).toBe(404);
    const unused = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: RETURN });
    const opened = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: RETURN });
    expect((await fetch(opened.url)).status).toBe(200);
    await advanceClock(em.url, 301);
    const gone = await fetch(unused.url);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain("This session has expired");
    expect((await fetch(opened.url)).status).toBe(200);
    await advanceClock(em.url, 3600);
    expect((await fetch(opened.url)).status).toBe(410);
    expect((await post(opened.url, { action: "cancel", sub: "x" })).status).toBe(410);
  });
});
