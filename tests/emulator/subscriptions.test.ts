import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { payCheckoutSession } from "../../scripts/stripe-emulator/testing.js";
import { processingFee, DEFAULT_FEE_TABLE } from "../../scripts/stripe-emulator/money.js";
import { avail, boot, eventLog, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
beforeAll(async () => ({ em, stripe } = await boot()));
afterAll(async () => em.close());

const DAY = 86400;
const JAN_1_2026 = 1767225600; // 2026-01-01T00:00:00Z
const FEB_1_2026 = 1769904000;
const MAR_1_2026 = 1772323200;

async function monthlyPrice(amount = 1999, interval: "month" | "year" = "month") {
  return stripe.prices.create({
    currency: "usd",
    unit_amount: amount,
    recurring: { interval },
    product_data: { name: "Membership" },
  });
}

async function subSession(
  price: string,
  dest: string,
  opts: { trialDays?: number; feePercent?: number; customer?: string } = {},
) {
  return stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price, quantity: 1 }],
    subscription_data: {
      ...(opts.trialDays ? { trial_period_days: opts.trialDays } : {}),
      application_fee_percent: opts.feePercent ?? 10,
      transfer_data: { destination: dest },
      metadata: { membership: "m_1" },
    },
    ...(opts.customer ? { customer: opts.customer } : { customer_email: "member@example.com" }),
    success_url: "http://localhost:3000/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:3000/cancel",
  });
}

const { marker, eventsAfter, eventTypes } = eventLog(() => stripe);

async function balances(acct: string) {
  return {
    platform: avail(await stripe.balance.retrieve()),
    connected: avail(await stripe.balance.retrieve({}, { stripeAccount: acct })),
  };
}

async function clockCustomer(frozen = JAN_1_2026) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen, name: "membership" });
  const customer = await stripe.customers.create({ email: "clock@example.com", test_clock: clock.id });
  return { clock, customer };
}

describe("subscription-mode Checkout", () => {
  it("creates customer, active subscription and a paid first invoice with fee and transfer, events in Stripe's order", async () => {
    const seller = await onboardedAccount(em, stripe);
    const price = await monthlyPrice(1999);
    const s = await subSession(price.id, seller.id);
    expect(s).toMatchObject({
      mode: "subscription",
      status: "open",
      payment_intent: null,
      subscription: null,
      amount_total: 1999,
    });
    const before = await balances(seller.id);
    const since = await marker();
    const r = await payCheckoutSession(em.url, s.id);
    expect(r.status).toBe("succeeded");
    const session = await stripe.checkout.sessions.retrieve(s.id);
    expect(session).toMatchObject({ status: "complete", payment_status: "paid", url: null });
    const sub = await stripe.subscriptions.retrieve(session.subscription as string, { expand: ["latest_invoice"] });
    expect(sub).toMatchObject({
      status: "active",
      customer: session.customer,
      application_fee_percent: 10,
      transfer_data: { destination: seller.id },
      metadata: { membership: "m_1" },
      cancel_at_period_end: false,
      trial_end: null,
      currency: "usd",
    });
    const item = sub.items.data[0];
    expect(item.price.id).toBe(price.id);
    expect(item.current_period_start).toBe(sub.start_date);
    const start = new Date(item.current_period_start * 1000);
    const end = new Date(item.current_period_end * 1000);
    expect(end.getUTCFullYear() * 12 + end.getUTCMonth() - (start.getUTCFullYear() * 12 + start.getUTCMonth())).toBe(1);
    const customer = await stripe.customers.retrieve(session.customer as string);
    expect(customer).toMatchObject({ email: "member@example.com" });

    const inv = sub.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({
      object: "invoice",
      status: "paid",
      amount_due: 1999,
      amount_paid: 1999,
      amount_remaining: 0,
      billing_reason: "subscription_create",
      customer: session.customer,
      period_start: item.current_period_start,
      period_end: item.current_period_end,
      attempt_count: 1,
      parent: {
        type: "subscription_details",
        subscription_details: { subscription: sub.id, metadata: { membership: "m_1" } },
      },
    });
    expect(inv.lines.data[0]).toMatchObject({
      amount: 1999,
      subscription: sub.id,
      period: { start: item.current_period_start, end: item.current_period_end },
    });
    const payment = inv.payments!.data[0];
    expect(payment).toMatchObject({ object: "invoice_payment", amount_paid: 1999, status: "paid", invoice: inv.id });
    expect(payment.payment.payment_intent).toBe(r.payment_intent);
    const pi = await stripe.paymentIntents.retrieve(r.payment_intent!, { expand: ["latest_charge"] });
    expect(pi).toMatchObject({
      status: "succeeded",
      amount: 1999,
      customer: session.customer,
      application_fee_amount: 200,
    });
    const ch = pi.latest_charge as Stripe.Charge;
    const fee = await stripe.applicationFees.retrieve(ch.application_fee as string);
    expect(fee).toMatchObject({ amount: 200, account: seller.id }); // round(1999 * 10 / 100)
    const tr = await stripe.transfers.retrieve(ch.transfer as string);
    expect(tr).toMatchObject({ amount: 1999, destination: seller.id });

    const after = await balances(seller.id);
    expect(after.platform - before.platform).toBe(200 - processingFee(DEFAULT_FEE_TABLE, "usd", 1999)); // 200 - 88
    expect(after.connected - before.connected).toBe(1999 - 200);

    const order = [
      "customer.created",
      "customer.subscription.created",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "checkout.session.completed",
    ];
    expect(await eventTypes(since, order)).toEqual(order);
    const all = await eventTypes(since, [
      ...order,
      "payment_intent.succeeded",
      "application_fee.created",
      "transfer.created",
    ]);
    expect(all.indexOf("payment_intent.succeeded")).toBeGreaterThan(all.indexOf("invoice.finalized"));
    expect(all.indexOf("payment_intent.succeeded")).toBeLessThan(all.indexOf("invoice.paid"));
    expect(all.indexOf("transfer.created")).toBeGreaterThan(all.indexOf("checkout.session.completed"));
  });

  it("starts a trial without charging: trialing, a paid $0 invoice, no money moves", async () => {
    const seller = await onboardedAccount(em, stripe);
    const price = await monthlyPrice(1500);
    const s = await subSession(price.id, seller.id, { trialDays: 14 });
    const before = await balances(seller.id);
    const since = await marker();
    const r = await payCheckoutSession(em.url, s.id);
    expect(r).toMatchObject({ status: "succeeded", payment_intent: null });
    expect(r.session.payment_status).toBe("no_payment_required");
    const sub = await stripe.subscriptions.retrieve(r.session.subscription as string);
    expect(sub.status).toBe("trialing");
    expect(sub.trial_end! - sub.trial_start!).toBe(14 * DAY);
    expect(sub.items.data[0].current_period_end).toBe(sub.trial_end);
    const invoices = await stripe.invoices.list({ customer: sub.customer as string });
    expect(invoices.data).toHaveLength(1);
    expect(sub.latest_invoice).toBe(invoices.data[0].id);
    expect(invoices.data[0]).toMatchObject({
      billing_reason: "subscription_create",
      status: "paid",
      total: 0,
      amount_due: 0,
      amount_paid: 0,
      attempt_count: 0,
      period_start: sub.trial_start,
      period_end: sub.trial_end,
      payments: { data: [] },
    });
    expect(invoices.data[0].lines.data[0]).toMatchObject({ amount: 0, description: "Trial period for Membership" });
    const order = [
      "customer.created",
      "customer.subscription.created",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "checkout.session.completed",
    ];
    expect(await eventTypes(since, [...order, "payment_intent.created", "charge.succeeded"])).toEqual(order);
    const after = await balances(seller.id);
    expect(after).toEqual(before);
  });

  it("a declined card leaves the session open and creates nothing", async () => {
    const seller = await onboardedAccount(em, stripe);
    const price = await monthlyPrice(1000);
    const s = await subSession(price.id, seller.id);
    const subsBefore = (await stripe.subscriptions.list({ status: "all", limit: 100 })).data.length;
    const r = await payCheckoutSession(em.url, s.id, { card: "4000000000000002" });
    expect(r.status).toBe("failed");
    expect(r.error?.message).toBe("Your card was declined.");
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    expect((await stripe.subscriptions.list({ status: "all", limit: 100 })).data.length).toBe(subsBefore);
    const ok = await payCheckoutSession(em.url, s.id);
    expect(ok.status).toBe("succeeded");
  });

  it("pays through the hosted page too", async () => {
    const seller = await onboardedAccount(em, stripe);
    const price = await monthlyPrice(2500, "year");
    const s = await subSession(price.id, seller.id, { feePercent: 12.5 });
    const res = await fetch(s.url!, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        email: "hosted@example.com",
        card: "4242 4242 4242 4242",
        name: "Hosted Member",
      }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`http://localhost:3000/success?session_id=${s.id}`);
    const session = await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription.latest_invoice"] });
    const sub = session.subscription as Stripe.Subscription;
    expect(sub.status).toBe("active");
    const inv = sub.latest_invoice as Stripe.Invoice;
    const pi = await stripe.paymentIntents.retrieve(inv.payments!.data[0].payment.payment_intent as string);
    expect(pi.application_fee_amount).toBe(313); // round(2500 * 12.5 / 100) = round(312.5)
    expect(sub.items.data[0].current_period_end - sub.items.data[0].current_period_start).toBeGreaterThanOrEqual(
      365 * DAY,
    );
  });

  it("rejects invalid subscription sessions like Stripe", async () => {
    const seller = await onboardedAccount(em, stripe);
    const recurring = await monthlyPrice(1000);
    const oneTime = await stripe.prices.create({ currency: "usd", unit_amount: 1000, product_data: { name: "Ebook" } });
    const base = { success_url: "http://localhost:3000/s", line_items: [{ price: recurring.id, quantity: 1 }] };
    await expect(stripe.checkout.sessions.create({ ...base, mode: "payment" })).rejects.toThrow(/recurring price/);
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: "subscription",
        line_items: [{ price: oneTime.id, quantity: 1 }],
      }),
    ).rejects.toThrow(/recurring prices/);
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: "subscription",
        payment_intent_data: { application_fee_amount: 10 },
      }),
    ).rejects.toMatchObject({ param: "payment_intent_data" });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: "subscription",
        subscription_data: { application_fee_percent: 10 },
      }),
    ).rejects.toMatchObject({ param: "subscription_data[application_fee_percent]" });
    await expect(
      stripe.checkout.sessions.create({
        ...base,
        mode: "subscription",
        subscription_data: { transfer_data: { destination: "acct_missing" } },
      }),
    ).rejects.toMatchObject({ code: "resource_missing" });
    await expect(stripe.checkout.sessions.create({ ...base, mode: "setup" })).rejects.toThrow(/setup/);
    const ok = await stripe.checkout.sessions.create({
      ...base,
      mode: "subscription",
      subscription_data: { application_fee_percent: 5, transfer_data: { destination: seller.id } },
    });
    expect(ok.mode).toBe("subscription");
  });
});

async function paidSubscription(opts: { trialDays?: number; card?: string; customer?: string; amount?: number } = {}) {
  const seller = await onboardedAccount(em, stripe);
  const price = await monthlyPrice(opts.amount ?? 1999);
  const s = await subSession(price.id, seller.id, { trialDays: opts.trialDays, customer: opts.customer });
  const r = await payCheckoutSession(em.url, s.id, { card: opts.card ?? "4242424242424242" });
  expect(r.status).toBe("succeeded");
  const sub = await stripe.subscriptions.retrieve(r.session.subscription as string);
  return { seller, sub, price };
}

describe("subscriptions and invoices API", () => {
  it("updates cancel_at_period_end and metadata with customer.subscription.updated", async () => {
    const { sub } = await paidSubscription();
    const mark = await marker();
    const upd = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true, metadata: { plan: "gold" } });
    expect(upd).toMatchObject({
      cancel_at_period_end: true,
      cancel_at: sub.items.data[0].current_period_end,
      status: "active",
      metadata: { membership: "m_1", plan: "gold" },
    });
    expect(upd.cancellation_details?.reason).toBe("cancellation_requested");
    const [ev] = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(ev.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, metadata: { membership: "m_1" } });
    const back = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(back).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ price: "price_x" }] })).rejects.toMatchObject({
      param: "items[0][id]",
    });
    await expect(
      stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 2 }] }),
    ).rejects.toMatchObject({ param: "items[0][quantity]" });
    await expect(stripe.subscriptions.update(sub.id, { trial_end: "now" })).rejects.toMatchObject({
      code: "parameter_unknown",
    });
  });

  it("cancels now with DELETE, lists by customer and status", async () => {
    const { sub } = await paidSubscription();
    const customer = sub.customer as string;
    expect((await stripe.subscriptions.list({ customer })).data.map((s) => s.id)).toEqual([sub.id]);
    const mark = await marker();
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled).toMatchObject({ status: "canceled", cancellation_details: { reason: "cancellation_requested" } });
    expect(canceled.canceled_at).toBe(canceled.ended_at);
    expect(await eventTypes(mark, ["customer.subscription.deleted", "customer.subscription.updated"])).toEqual([
      "customer.subscription.deleted",
    ]);
    expect((await stripe.subscriptions.list({ customer })).data).toHaveLength(0); // default excludes canceled
    expect((await stripe.subscriptions.list({ customer, status: "canceled" })).data.map((s) => s.id)).toEqual([sub.id]);
    expect((await stripe.subscriptions.list({ customer, status: "all" })).data).toHaveLength(1);
    await expect(stripe.subscriptions.cancel(sub.id)).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.subscriptions.retrieve("sub_missing")).rejects.toMatchObject({
      code: "resource_missing",
      statusCode: 404,
    });
  });

  it("retrieves and lists invoices by customer, subscription and status", async () => {
    const { sub } = await paidSubscription({ amount: 4200 });
    const list = await stripe.invoices.list({ customer: sub.customer as string });
    expect(list.data).toHaveLength(1);
    const inv = await stripe.invoices.retrieve(list.data[0].id);
    expect(inv).toMatchObject({ id: sub.latest_invoice, amount_paid: 4200, status: "paid" });
    expect(inv.number).toMatch(/^[A-Z0-9]{8}-\d{4}$/);
    expect((await stripe.invoices.list({ subscription: sub.id, status: "paid" })).data.map((i) => i.id)).toEqual([
      inv.id,
    ]);
    expect((await stripe.invoices.list({ subscription: sub.id, status: "open" })).data).toHaveLength(0);
    await expect(stripe.invoices.retrieve("in_missing")).rejects.toMatchObject({ code: "resource_missing" });
  });
});

describe("test clocks and renewals", () => {
  it("renews at period end: new invoice paid, fee and transfer again, balances to the cent", async () => {
    const { clock, customer } = await clockCustomer();
    const seller = await onboardedAccount(em, stripe);
    const before = await balances(seller.id);
    const { sub } = await paidSubscription({ customer: customer.id, amount: 1999 });
    expect(sub.test_clock).toBe(clock.id);
    expect(sub.items.data[0]).toMatchObject({ current_period_start: JAN_1_2026, current_period_end: FEB_1_2026 });
    // paidSubscription onboarded its own seller: read its balance
    const dest = sub.transfer_data!.destination as string;
    expect(dest).not.toBe(seller.id);
    const p0 = (await balances(dest)).platform;
    expect(p0 - before.platform).toBe(200 - 88);

    // not yet due: nothing happens
    const mark = await marker();
    const early = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 - 60 });
    expect(early).toMatchObject({ status: "ready", frozen_time: FEB_1_2026 - 60 });
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 3600 });
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.status).toBe("active");
    expect(renewed.items.data[0]).toMatchObject({ current_period_start: FEB_1_2026, current_period_end: MAR_1_2026 });
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data).toHaveLength(2);
    const inv = invoices.data[0];
    expect(inv.number).toBe(`${customer.invoice_prefix}-0002`);
    expect(invoices.data[1].number).toBe(`${customer.invoice_prefix}-0001`);
    expect(inv).toMatchObject({
      billing_reason: "subscription_cycle",
      status: "paid",
      amount_paid: 1999,
      period_start: FEB_1_2026,
      period_end: MAR_1_2026,
      created: FEB_1_2026 + 3600,
    });
    expect(renewed.latest_invoice).toBe(inv.id);
    const pi = await stripe.paymentIntents.retrieve(inv.payments!.data[0].payment.payment_intent as string, {
      expand: ["latest_charge"],
    });
    const ch = pi.latest_charge as Stripe.Charge;
    expect((await stripe.applicationFees.retrieve(ch.application_fee as string)).amount).toBe(200);
    expect(await stripe.transfers.retrieve(ch.transfer as string)).toMatchObject({ amount: 1999, destination: dest });

    const after = await balances(dest);
    expect(after.platform - before.platform).toBe(2 * (200 - processingFee(DEFAULT_FEE_TABLE, "usd", 1999)));
    expect(after.connected).toBe(2 * (1999 - 200));

    const types = await eventTypes(mark, [
      "test_helpers.test_clock.advancing",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "customer.subscription.updated",
      "test_helpers.test_clock.ready",
    ]);
    expect(types).toEqual([
      "test_helpers.test_clock.advancing",
      "test_helpers.test_clock.ready", // the early advance
      "test_helpers.test_clock.advancing",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "customer.subscription.updated",
      "test_helpers.test_clock.ready",
    ]);
    const [upd] = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(
      (upd.data.previous_attributes as { items: Stripe.ApiList<Stripe.SubscriptionItem> }).items.data[0]
        .current_period_start,
    ).toBe(JAN_1_2026);

    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 })).rejects.toMatchObject({
      param: "frozen_time",
    });
  });

  it("renews twice when advanced over two periods", async () => {
    const { clock, customer } = await clockCustomer();
    const { sub } = await paidSubscription({ customer: customer.id, amount: 1000 });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: MAR_1_2026 + 1 });
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => i.period_start)).toEqual([MAR_1_2026, FEB_1_2026, JAN_1_2026]);
    const dest = sub.transfer_data!.destination as string;
    expect((await balances(dest)).connected).toBe(3 * (1000 - 100));
  });

  it("ends a trial: trial_will_end 3 days before, then active with a paid invoice", async () => {
    const { clock, customer } = await clockCustomer();
    const { sub } = await paidSubscription({ customer: customer.id, trialDays: 7, amount: 1500 });
    expect(sub).toMatchObject({ status: "trialing", trial_start: JAN_1_2026, trial_end: JAN_1_2026 + 7 * DAY });
    const mark = await marker();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 3 * DAY });
    expect(await eventTypes(mark, ["customer.subscription.trial_will_end"])).toEqual([]);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 4 * DAY + 60 });
    expect(await eventTypes(mark, ["customer.subscription.trial_will_end"])).toEqual([
      "customer.subscription.trial_will_end",
    ]);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("trialing");
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 7 * DAY + 60 });
    const s2 = await stripe.subscriptions.retrieve(sub.id);
    expect(s2.status).toBe("active");
    expect(s2.items.data[0]).toMatchObject({
      current_period_start: JAN_1_2026 + 7 * DAY,
      current_period_end: JAN_1_2026 + 38 * DAY,
    });
    const [inv] = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(inv).toMatchObject({ status: "paid", amount_paid: 1500, billing_reason: "subscription_cycle" });
    const upd = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(upd).toHaveLength(1);
    expect(upd[0].data.previous_attributes).toMatchObject({ status: "trialing" });
    expect(await eventTypes(mark, ["customer.subscription.trial_will_end"])).toHaveLength(1); // only once
    expect((await balances(sub.transfer_data!.destination as string)).connected).toBe(1500 - 150);
  });

  it("card 4000 0000 0000 0341 attaches for a trial, then the renewal fails: invoice.payment_failed and past_due", async () => {
    const { clock, customer } = await clockCustomer();
    // without a trial the first charge fails at Checkout
    const seller0 = await onboardedAccount(em, stripe);
    const p0 = await monthlyPrice(1000);
    const s0 = await subSession(p0.id, seller0.id);
    expect((await payCheckoutSession(em.url, s0.id, { card: "4000000000000341" })).status).toBe("failed");

    const { sub } = await paidSubscription({
      customer: customer.id,
      trialDays: 7,
      card: "4000 0000 0000 0341",
      amount: 1000,
    });
    expect(sub.status).toBe("trialing");
    const dest = sub.transfer_data!.destination as string;
    const platformBefore = (await balances(dest)).platform;
    const mark = await marker();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 8 * DAY });
    const s2 = await stripe.subscriptions.retrieve(sub.id);
    expect(s2.status).toBe("past_due");
    const [inv] = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(inv).toMatchObject({
      status: "open",
      amount_paid: 0,
      amount_remaining: 1000,
      attempt_count: 1,
      attempted: true,
    });
    expect(inv.payments!.data[0]).toMatchObject({ status: "open", amount_paid: null });
    const types = await eventTypes(mark, [
      "invoice.created",
      "invoice.finalized",
      "charge.failed",
      "invoice.payment_failed",
      "invoice.paid",
      "customer.subscription.updated",
    ]);
    expect(types).toEqual([
      "invoice.created",
      "invoice.finalized",
      "charge.failed",
      "invoice.payment_failed",
      "customer.subscription.updated",
    ]);
    const [upd] = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(upd.data.previous_attributes).toMatchObject({ status: "trialing" });
    const b = await balances(dest);
    expect(b.connected).toBe(0);
    expect(b.platform).toBe(platformBefore);
  });

  it("cancel_at_period_end ends the subscription at period end without a new invoice", async () => {
    const { clock, customer } = await clockCustomer();
    const { sub } = await paidSubscription({ customer: customer.id });
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const mark = await marker();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 10 });
    const s2 = await stripe.subscriptions.retrieve(sub.id);
    expect(s2).toMatchObject({ status: "canceled", ended_at: FEB_1_2026 });
    expect(await eventTypes(mark, ["customer.subscription.deleted", "invoice.created"])).toEqual([
      "customer.subscription.deleted",
    ]);
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);
  });

  it("only customers on the clock follow it", async () => {
    const { clock } = await clockCustomer();
    const other = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1_2026 });
    const c2 = await stripe.customers.create({ email: "other@example.com", test_clock: other.id });
    const { sub } = await paidSubscription({ customer: c2.id });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: MAR_1_2026 + 1 });
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);
    expect((await stripe.customers.list({ test_clock: other.id })).data.map((c) => c.id)).toEqual([c2.id]);
    await expect(stripe.customers.create({ test_clock: "clock_missing" })).rejects.toMatchObject({
      code: "resource_missing",
    });
  });
});

describe("emulator clock (runs last: it moves the process-wide clock)", () => {
  it("renews subscriptions that have no test clock when /_emulator/clock advances past period end", async () => {
    const { sub } = await paidSubscription({ amount: 1200 });
    expect(sub.test_clock).toBeNull();
    const periodEnd = sub.items.data[0].current_period_end;
    const res = await fetch(`${em.url}/_emulator/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advance_seconds: 32 * DAY }),
    });
    const { now } = (await res.json()) as { now: number };
    expect(now).toBeGreaterThan(periodEnd);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data).toHaveLength(2);
    expect(invoices.data[0]).toMatchObject({
      billing_reason: "subscription_cycle",
      status: "paid",
      period_start: periodEnd,
    });
    expect((await balances(sub.transfer_data!.destination as string)).connected).toBe(2 * (1200 - 120));
  });
});
