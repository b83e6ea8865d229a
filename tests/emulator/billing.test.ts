// Price switches with prorations, credit balance, pause_collection, paused/resume, dunning,
// payment_action_required and refunds of subscription invoices — via stripe-node and test clocks.
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
const JAN_1_2026 = 1767225600;
const FEB_1_2026 = 1769904000;
const MAR_1_2026 = 1772323200;
const JAN_1_2027 = JAN_1_2026 + 365 * DAY;
const FEE_PCT = 10;

async function product(name = "Membership") {
  const prod = await stripe.products.create({ name });
  const monthly = await stripe.prices.create({
    currency: "usd",
    unit_amount: 1999,
    recurring: { interval: "month" },
    product: prod.id,
  });
  const premium = await stripe.prices.create({
    currency: "usd",
    unit_amount: 4999,
    recurring: { interval: "month" },
    product: prod.id,
  });
  const yearly = await stripe.prices.create({
    currency: "usd",
    unit_amount: 19900,
    recurring: { interval: "year" },
    product: prod.id,
  });
  return { prod, monthly, premium, yearly };
}

const { marker, eventsAfter, eventTypes } = eventLog(() => stripe);

interface Setup {
  sub: Stripe.Subscription;
  clock: Stripe.TestHelpers.TestClock;
  customer: Stripe.Customer;
  seller: Stripe.Account;
  prices: Awaited<ReturnType<typeof product>>;
}

/** A subscription on a test clock frozen at Jan 1 2026, paid through Checkout with a 10 % fee to a fresh seller. */
async function subscribe(
  opts: {
    price?: "monthly" | "premium" | "yearly";
    card?: string;
    trialDays?: number;
    ifRequired?: boolean;
    missingPm?: "cancel" | "create_invoice" | "pause";
  } = {},
): Promise<Setup> {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1_2026 });
  const customer = await stripe.customers.create({ email: "member@example.com", test_clock: clock.id });
  const seller = await onboardedAccount(em, stripe);
  const prices = await product();
  const s = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: prices[opts.price ?? "monthly"].id, quantity: 1 }],
    ...(opts.ifRequired ? { payment_method_collection: "if_required" as const } : {}),
    subscription_data: {
      application_fee_percent: FEE_PCT,
      transfer_data: { destination: seller.id },
      ...(opts.trialDays ? { trial_period_days: opts.trialDays } : {}),
      ...(opts.missingPm ? { trial_settings: { end_behavior: { missing_payment_method: opts.missingPm } } } : {}),
    },
    success_url: "http://localhost:3000/success",
  });
  const r = await payCheckoutSession(em.url, s.id, { card: opts.card ?? "4242424242424242" });
  expect(r.status).toBe("succeeded");
  const sub = await stripe.subscriptions.retrieve(r.session.subscription as string);
  return { sub, clock, customer, seller, prices };
}

/** Every paid invoice of the customer must have moved money exactly: fee = round(amount × 10 %), transfer = amount. */
async function checkMoney(setup: Setup, platformBefore: number) {
  const invoices = (await stripe.invoices.list({ customer: setup.customer.id, limit: 100 })).data;
  let paid = 0,
    fees = 0,
    processing = 0;
  for (const inv of invoices) {
    for (const p of inv.payments?.data ?? []) {
      if (p.status !== "paid") continue;
      const pi = await stripe.paymentIntents.retrieve(p.payment.payment_intent as string, {
        expand: ["latest_charge"],
      });
      const ch = pi.latest_charge as Stripe.Charge;
      const fee = Math.round((inv.amount_paid * FEE_PCT) / 100);
      expect(pi.amount).toBe(inv.amount_paid);
      expect((await stripe.applicationFees.retrieve(ch.application_fee as string)).amount).toBe(fee);
      expect(await stripe.transfers.retrieve(ch.transfer as string)).toMatchObject({
        amount: inv.amount_paid,
        destination: setup.seller.id,
      });
      paid += inv.amount_paid;
      fees += fee;
      processing += processingFee(DEFAULT_FEE_TABLE, "usd", inv.amount_paid);
    }
  }
  const connected = avail(await stripe.balance.retrieve({}, { stripeAccount: setup.seller.id }));
  const platform = avail(await stripe.balance.retrieve());
  expect(connected).toBe(paid - fees);
  expect(platform - platformBefore).toBe(fees - processing);
  return { paid, fees, invoices };
}

describe("price switch with prorations", () => {
  it("create_prorations: pending credit/debit items land on the next renewal invoice; money to the cent", async () => {
    const platformBefore = avail(await stripe.balance.retrieve());
    const setup = await subscribe();
    const { sub, clock, prices } = setup;
    const t = JAN_1_2026 + 15 * DAY + 3 * 3600 + 17; // odd second to exercise rounding
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t });
    const mark = await marker();
    const upd = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: prices.premium.id }],
    });
    expect(upd.items.data[0].price.id).toBe(prices.premium.id);
    expect(upd.items.data[0]).toMatchObject({ current_period_start: JAN_1_2026, current_period_end: FEB_1_2026 });
    const span = FEB_1_2026 - JAN_1_2026;
    const credit = Math.round((1999 * (FEB_1_2026 - t)) / span);
    const debit = Math.round((4999 * (FEB_1_2026 - t)) / span);
    const items = await stripe.invoiceItems.list({ customer: setup.customer.id, pending: true });
    expect(items.data.map((i) => i.amount).sort((a, b) => a - b)).toEqual([-credit, debit]);
    expect(await eventTypes(mark, ["invoiceitem.created", "invoice.created", "customer.subscription.updated"])).toEqual(
      ["invoiceitem.created", "invoiceitem.created", "customer.subscription.updated"],
    );
    const [ev] = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(
      (ev.data.previous_attributes as { items: Stripe.ApiList<Stripe.SubscriptionItem> }).items.data[0].price.id,
    ).toBe(prices.monthly.id);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 60 });
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(renewal).toMatchObject({
      billing_reason: "subscription_cycle",
      status: "paid",
      total: 4999 - credit + debit,
      amount_paid: 4999 - credit + debit,
    });
    expect(renewal.lines.data.map((l) => l.amount)).toEqual([4999, -credit, debit]);
    expect((await stripe.invoiceItems.list({ customer: setup.customer.id, pending: true })).data).toHaveLength(0);
    const { paid } = await checkMoney(setup, platformBefore);
    expect(paid).toBe(1999 + 4999 - credit + debit);
  });

  it("always_invoice upgrades now; a downgrade credits the customer balance, used by the next invoice", async () => {
    const platformBefore = avail(await stripe.balance.retrieve());
    const setup = await subscribe({ price: "premium" });
    const { sub, clock, prices, customer } = setup;
    const t = JAN_1_2026 + 10 * DAY;
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t });
    const span = FEB_1_2026 - JAN_1_2026;
    const mark = await marker();
    const down = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: prices.monthly.id }],
      proration_behavior: "always_invoice",
      expand: ["latest_invoice"],
    });
    const inv = down.latest_invoice as Stripe.Invoice;
    const net = -Math.round((4999 * (FEB_1_2026 - t)) / span) + Math.round((1999 * (FEB_1_2026 - t)) / span);
    expect(net).toBeLessThan(0);
    expect(inv).toMatchObject({
      billing_reason: "subscription_update",
      status: "paid",
      total: net,
      amount_due: 0,
      amount_paid: 0,
      starting_balance: 0,
      ending_balance: net,
    });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(net);
    expect(
      await eventTypes(mark, [
        "invoice.created",
        "invoice.finalized",
        "customer.updated",
        "invoice.paid",
        "customer.subscription.updated",
        "payment_intent.created",
      ]),
    ).toEqual([
      "invoice.created",
      "customer.updated",
      "invoice.finalized",
      "invoice.paid",
      "customer.subscription.updated",
    ]);

    // renewal: 1999 minus the credit
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 60 });
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id })).data;
    const due = Math.max(0, 1999 + net);
    expect(renewal).toMatchObject({
      total: 1999,
      amount_due: due,
      amount_paid: due,
      starting_balance: net,
      ending_balance: Math.min(0, 1999 + net),
    });
    await checkMoney(setup, platformBefore);
  });

  it("an interval change resets the anchor and invoices now: unused time credited against the full new price", async () => {
    const platformBefore = avail(await stripe.balance.retrieve());
    const setup = await subscribe();
    const { sub, clock, prices } = setup;
    const t = JAN_1_2026 + 20 * DAY;
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t });
    const mark = await marker();
    const upd = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: prices.yearly.id }],
      expand: ["latest_invoice"],
    });
    const credit = Math.round((1999 * (FEB_1_2026 - t)) / (FEB_1_2026 - JAN_1_2026));
    expect(upd).toMatchObject({ status: "active", billing_cycle_anchor: t });
    expect(upd.items.data[0]).toMatchObject({ current_period_start: t, current_period_end: JAN_1_2027 + 20 * DAY });
    const inv = upd.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({
      billing_reason: "subscription_update",
      status: "paid",
      total: 19900 - credit,
      amount_paid: 19900 - credit,
    });
    expect(inv.lines.data.map((l) => l.amount)).toEqual([-credit, 19900]);
    expect(
      await eventTypes(mark, [
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
        "application_fee.created",
        "transfer.created",
      ]),
    ).toEqual([
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "customer.subscription.updated",
      "application_fee.created",
      "transfer.created",
    ]);
    const [ev] = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(ev.data.previous_attributes).toMatchObject({ billing_cycle_anchor: JAN_1_2026 });
    await checkMoney(setup, platformBefore);
  });

  it("proration_behavior none changes the price at the next renewal only; validation like Stripe", async () => {
    const { sub, clock, prices } = await subscribe();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 5 * DAY });
    const itemId = sub.items.data[0].id;
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemId, price: prices.premium.id }],
      proration_behavior: "none",
    });
    expect((await stripe.invoiceItems.list({ customer: sub.customer as string })).data).toHaveLength(0);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 1 });
    expect((await stripe.invoices.list({ subscription: sub.id })).data[0]).toMatchObject({
      total: 4999,
      amount_paid: 4999,
    });
    const eur = await stripe.prices.create({
      currency: "eur",
      unit_amount: 1000,
      recurring: { interval: "month" },
      product: prices.prod.id,
    });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: itemId, price: eur.id }] })).rejects.toMatchObject(
      { param: "items[0][price]" },
    );
    await expect(
      stripe.subscriptions.update(sub.id, { items: [{ id: "si_missing", price: prices.monthly.id }] }),
    ).rejects.toMatchObject({ code: "resource_missing" });
    await expect(
      stripe.subscriptions.update(sub.id, {
        items: [{ id: itemId, price: prices.monthly.id }],
        proration_behavior: "sometimes" as "none",
      }),
    ).rejects.toMatchObject({ param: "proration_behavior" });
    await expect(
      stripe.subscriptions.update(sub.id, {
        billing_cycle_anchor: "now",
      } as unknown as Stripe.SubscriptionUpdateParams),
    ).rejects.toMatchObject({ param: "billing_cycle_anchor" });
    // billing_cycle_anchor[type]=now with a same-interval switch restarts the period now
    const t = FEB_1_2026 + 3 * DAY;
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: t });
    const upd = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemId, price: prices.monthly.id }],
      billing_cycle_anchor: { type: "now" },
      proration_behavior: "none",
      expand: ["latest_invoice"],
    });
    expect(upd.items.data[0].current_period_start).toBe(t);
    expect(upd.latest_invoice).toMatchObject({ total: 1999, billing_reason: "subscription_update", status: "paid" });
  });
});

describe("pause_collection", () => {
  it("void, keep_as_draft and mark_uncollectible invoices while paused; resumes_at lifts the pause", async () => {
    const { sub, clock } = await subscribe();
    const mark = await marker();
    const upd = await stripe.subscriptions.update(sub.id, {
      pause_collection: { behavior: "void", resumes_at: FEB_1_2026 + 10 * DAY },
    });
    expect(upd).toMatchObject({
      status: "active",
      pause_collection: { behavior: "void", resumes_at: FEB_1_2026 + 10 * DAY },
    });
    const [ev] = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(ev.data.previous_attributes).toEqual({ pause_collection: null });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 60 });
    expect((await stripe.invoices.list({ subscription: sub.id })).data[0]).toMatchObject({
      status: "void",
      amount_paid: 0,
    });
    expect(await eventTypes(mark, ["invoice.created", "invoice.finalized", "invoice.voided", "invoice.paid"])).toEqual([
      "invoice.created",
      "invoice.finalized",
      "invoice.voided",
    ]);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 11 * DAY });
    expect((await stripe.subscriptions.retrieve(sub.id)).pause_collection).toBeNull();

    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: "keep_as_draft" } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: MAR_1_2026 + 60 });
    expect((await stripe.invoices.list({ subscription: sub.id })).data[0]).toMatchObject({
      status: "draft",
      number: null,
      auto_advance: false,
    });
    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: "mark_uncollectible" } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: MAR_1_2026 + 32 * DAY });
    expect((await stripe.invoices.list({ subscription: sub.id })).data[0]).toMatchObject({ status: "uncollectible" });
    await stripe.subscriptions.update(sub.id, { pause_collection: "" });
    expect((await stripe.subscriptions.retrieve(sub.id)).pause_collection).toBeNull();
    await expect(
      stripe.subscriptions.update(sub.id, { pause_collection: { behavior: "later" as "void" } }),
    ).rejects.toMatchObject({ param: "pause_collection[behavior]" });
    expect(avail(await stripe.balance.retrieve({}, { stripeAccount: sub.transfer_data!.destination as string }))).toBe(
      1999 - 200,
    );
  });
});

describe("trials without a payment method", () => {
  it("pause at trial end, then resume: paused/resumed events and a new paid invoice", async () => {
    const { sub, clock, customer } = await subscribe({ card: "", trialDays: 7, ifRequired: true, missingPm: "pause" });
    expect(sub).toMatchObject({
      status: "trialing",
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: "pause" } },
    });
    const mark = await marker();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 8 * DAY });
    const paused = await stripe.subscriptions.retrieve(sub.id);
    expect(paused.status).toBe("paused");
    expect(paused.status_details?.paused.subscription.type).toBe("trial_end_without_payment_method");
    expect(
      await eventTypes(mark, ["customer.subscription.updated", "customer.subscription.paused", "invoice.created"]),
    ).toEqual(["customer.subscription.updated", "customer.subscription.paused"]);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: MAR_1_2026 });
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1); // only the $0 trial invoice
    await expect(
      stripe.subscriptions.resume(sub.id, { payment_behavior: "resume_on_payment_success" }),
    ).rejects.toMatchObject({ param: "payment_behavior" });

    // the customer adds a card (the portal does this; here through the page's form)
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "http://localhost:3000/account",
    });
    const res = await fetch(portal.url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ action: "card", card: "4242424242424242", exp: "12 / 34", cvc: "123" }).toString(),
    });
    expect(res.status).toBe(303);
    const mark2 = await marker();
    const resumed = await stripe.subscriptions.resume(sub.id, {
      billing_cycle_anchor: { type: "now" },
      expand: ["latest_invoice"],
    });
    expect(resumed).toMatchObject({ status: "active", billing_cycle_anchor: MAR_1_2026 });
    expect(resumed.status_details).toBeUndefined();
    expect(resumed.latest_invoice).toMatchObject({
      status: "paid",
      total: 1999,
      billing_reason: "subscription_update",
    });
    expect(
      await eventTypes(mark2, [
        "invoice.created",
        "invoice.paid",
        "customer.subscription.updated",
        "customer.subscription.resumed",
      ]),
    ).toEqual(["invoice.created", "invoice.paid", "customer.subscription.updated", "customer.subscription.resumed"]);
    await expect(stripe.subscriptions.resume(sub.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it("cancel and create_invoice behaviours; a card is required without if_required", async () => {
    const c = await subscribe({ card: "", trialDays: 7, ifRequired: true, missingPm: "cancel" });
    await stripe.testHelpers.testClocks.advance(c.clock.id, { frozen_time: JAN_1_2026 + 8 * DAY });
    expect(await stripe.subscriptions.retrieve(c.sub.id)).toMatchObject({
      status: "canceled",
      ended_at: JAN_1_2026 + 7 * DAY,
    });

    const i = await subscribe({ card: "", trialDays: 7, ifRequired: true });
    await stripe.testHelpers.testClocks.advance(i.clock.id, { frozen_time: JAN_1_2026 + 8 * DAY });
    expect((await stripe.subscriptions.retrieve(i.sub.id)).status).toBe("past_due");
    expect((await stripe.invoices.list({ subscription: i.sub.id })).data[0]).toMatchObject({
      status: "open",
      attempt_count: 1,
      next_payment_attempt: JAN_1_2026 + 10 * DAY,
    });

    const seller = await onboardedAccount(em, stripe);
    const { monthly } = await product();
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: monthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/s",
      subscription_data: { trial_period_days: 7, transfer_data: { destination: seller.id } },
    });
    expect(s.payment_method_collection).toBe("always");
    expect((await payCheckoutSession(em.url, s.id, { card: "" })).status).toBe("failed");
    await expect(
      stripe.checkout.sessions.create({
        mode: "payment",
        payment_method_collection: "if_required",
        success_url: "http://x.test/s",
        line_items: [{ price_data: { currency: "usd", unit_amount: 500, product_data: { name: "x" } }, quantity: 1 }],
      }),
    ).rejects.toMatchObject({ param: "payment_method_collection" });
    await expect(
      stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: monthly.id, quantity: 1 }],
        success_url: "http://x.test/s",
        subscription_data: { trial_settings: { end_behavior: { missing_payment_method: "explode" as "pause" } } },
      }),
    ).rejects.toMatchObject({ param: "subscription_data[trial_settings][end_behavior][missing_payment_method]" });
  });
});

describe("card-less trial on the hosted Checkout page", () => {
  it("starts the trial with an empty card number when payment_method_collection is if_required", async () => {
    const seller = await onboardedAccount(em, stripe);
    const { monthly } = await product();
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      payment_method_collection: "if_required",
      line_items: [{ price: monthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/s",
      subscription_data: {
        trial_period_days: 14,
        transfer_data: { destination: seller.id },
        trial_settings: { end_behavior: { missing_payment_method: "pause" } },
      },
    });
    expect(await (await fetch(s.url!)).text()).toContain("No card needed to start the free trial");
    const res = await fetch(s.url!, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "trial@example.com", card: "" }).toString(),
    });
    expect(res.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription", "customer"] });
    expect(done).toMatchObject({
      status: "complete",
      payment_status: "no_payment_required",
      payment_method_collection: "if_required",
    });
    expect((done.subscription as Stripe.Subscription).status).toBe("trialing");
    expect((done.customer as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
  });
});

describe("dunning", () => {
  it("retries 3, 5 and 7 days after the first failure, then cancels with reason payment_failed", async () => {
    const { sub, clock } = await subscribe({ card: "4000000000000341", trialDays: 7 });
    const end = JAN_1_2026 + 7 * DAY;
    const mark = await marker();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 60 });
    let [inv] = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(inv).toMatchObject({ status: "open", attempt_count: 1, next_payment_attempt: end + 3 * DAY });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 4 * DAY });
    inv = await stripe.invoices.retrieve(inv.id);
    expect(inv).toMatchObject({ attempt_count: 2, next_payment_attempt: end + 5 * DAY });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 7 * DAY + 1 });
    inv = await stripe.invoices.retrieve(inv.id);
    expect(inv).toMatchObject({ status: "open", attempt_count: 4, next_payment_attempt: null });
    const canceled = await stripe.subscriptions.retrieve(sub.id);
    expect(canceled).toMatchObject({
      status: "canceled",
      ended_at: end + 7 * DAY,
      cancellation_details: { reason: "payment_failed" },
    });
    const failed = await eventsAfter(mark, ["invoice.payment_failed"]);
    expect(failed.map((e) => (e.data.object as Stripe.Invoice).attempt_count)).toEqual([1, 2, 3, 4]);
    expect(failed.map((e) => (e.data.object as Stripe.Invoice).next_payment_attempt)).toEqual([
      end + 3 * DAY,
      end + 5 * DAY,
      end + 7 * DAY,
      null,
    ]);
    const types = await eventTypes(mark, [
      "invoice.payment_failed",
      "customer.subscription.updated",
      "customer.subscription.deleted",
    ]);
    expect(types).toEqual([
      "invoice.payment_failed",
      "customer.subscription.updated",
      "invoice.payment_failed",
      "invoice.payment_failed",
      "invoice.payment_failed",
      "customer.subscription.deleted",
    ]);
  });

  it("a card update in the portal pays the open invoice at once and reactivates the subscription", async () => {
    const platformBefore = avail(await stripe.balance.retrieve());
    const setup = await subscribe({ card: "4000000000000341", trialDays: 7 });
    const { sub, clock, customer } = setup;
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 8 * DAY });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "http://localhost:3000/account",
    });
    const post = (body: Record<string, string>) =>
      fetch(portal.url, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body).toString(),
      });
    const declined = await post({ action: "card", card: "4000 0000 0000 0002", exp: "12 / 34", cvc: "123" });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain("Your card was declined.");
    const mark = await marker();
    const ok = await post({ action: "card", card: "4242 4242 4242 4242", exp: "12 / 34", cvc: "123" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toContain("done=card_paid");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    const [inv] = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(inv).toMatchObject({ status: "paid", attempt_count: 2, amount_paid: 1999 });
    expect(
      await eventTypes(mark, ["customer.updated", "invoice.paid", "customer.subscription.updated", "transfer.created"]),
    ).toEqual(["customer.updated", "invoice.paid", "customer.subscription.updated", "transfer.created"]);
    const [upd] = await eventsAfter(mark, ["customer.subscription.updated"]);
    expect(upd.data.previous_attributes).toMatchObject({ status: "past_due" });
    await checkMoney(setup, platformBefore);
    // no further retries for a paid invoice
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 20 * DAY });
    expect((await stripe.invoices.retrieve(inv.id)).attempt_count).toBe(2);
  });
});

describe("dunning with the unpaid final action", () => {
  it("marks the subscription unpaid after the last retry", async () => {
    const other = await boot({ dunningFinalAction: "unpaid", dunningRetryDays: [1] });
    const s2 = other.stripe;
    try {
      const clock = await s2.testHelpers.testClocks.create({ frozen_time: JAN_1_2026 });
      const customer = await s2.customers.create({ test_clock: clock.id });
      const seller = await onboardedAccount(other.em, s2);
      const price = await s2.prices.create({
        currency: "usd",
        unit_amount: 1000,
        recurring: { interval: "month" },
        product_data: { name: "M" },
      });
      const cs = await s2.checkout.sessions.create({
        mode: "subscription",
        customer: customer.id,
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: "http://x.test/s",
        subscription_data: { trial_period_days: 3, transfer_data: { destination: seller.id } },
      });
      const r = await payCheckoutSession(other.em.url, cs.id, { card: "4000000000000341" });
      await s2.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1_2026 + 5 * DAY });
      const sub = await s2.subscriptions.retrieve(r.session.subscription as string);
      expect(sub.status).toBe("unpaid");
      expect((await s2.invoices.list({ subscription: sub.id })).data[0]).toMatchObject({
        status: "open",
        attempt_count: 2,
        next_payment_attempt: null,
      });
    } finally {
      await other.em.close();
    }
  });
});

describe("payment action required at renewal", () => {
  it("4000 0027 6000 3184: invoice.payment_action_required, past_due, then paid on the hosted invoice page", async () => {
    const platformBefore = avail(await stripe.balance.retrieve());
    const setup = await subscribe({ card: "4000002760003184" });
    const { sub, clock } = setup;
    const mark = await marker();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: FEB_1_2026 + 60 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    const [inv] = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(inv).toMatchObject({ status: "open", attempt_count: 1, next_payment_attempt: null });
    const pi = await stripe.paymentIntents.retrieve(inv.payments!.data[0].payment.payment_intent as string);
    expect(pi.status).toBe("requires_action");
    expect(
      await eventTypes(mark, [
        "invoice.finalized",
        "payment_intent.requires_action",
        "invoice.payment_action_required",
        "invoice.payment_failed",
        "customer.subscription.updated",
      ]),
    ).toEqual([
      "invoice.finalized",
      "payment_intent.requires_action",
      "invoice.payment_action_required",
      "customer.subscription.updated",
    ]);
    const page = await fetch(inv.hosted_invoice_url!);
    const html = await page.text();
    expect(html).toContain("Test mode — Stripe emulator");
    expect(html).toContain("Authentication required");
    const mark2 = await marker();
    const res = await fetch(inv.hosted_invoice_url!, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=approve",
    });
    expect(res.status).toBe(303);
    expect(await stripe.invoices.retrieve(inv.id)).toMatchObject({ status: "paid", amount_paid: 1999 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    expect(
      await eventTypes(mark2, [
        "payment_intent.succeeded",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
        "transfer.created",
      ]),
    ).toEqual([
      "payment_intent.succeeded",
      "invoice.paid",
      "invoice.payment_succeeded",
      "customer.subscription.updated",
      "transfer.created",
    ]);
    expect(await (await fetch(inv.hosted_invoice_url!)).text()).toContain("Paid on");
    await checkMoney(setup, platformBefore);
  });
});

describe("refunds of subscription invoices", () => {
  it("refund with reverse_transfer and refund_application_fee moves money like a one-time destination charge", async () => {
    const setup = await subscribe({ price: "premium" });
    const dest = setup.seller.id;
    const inv = await stripe.invoices.retrieve(setup.sub.latest_invoice as string);
    const piId = inv.payments!.data[0].payment.payment_intent as string;
    const connectedBefore = avail(await stripe.balance.retrieve({}, { stripeAccount: dest }));
    const platformBefore = avail(await stripe.balance.retrieve());
    expect(connectedBefore).toBe(4999 - 500);
    const r1 = await stripe.refunds.create({
      payment_intent: piId,
      amount: 1000,
      reverse_transfer: true,
      refund_application_fee: true,
    });
    expect(r1.status).toBe("succeeded");
    const ch = await stripe.charges.retrieve(r1.charge as string);
    await stripe.refunds.create({ charge: ch.id, reverse_transfer: true, refund_application_fee: true });
    const tr = await stripe.transfers.retrieve(ch.transfer as string);
    const fee = await stripe.applicationFees.retrieve(ch.application_fee as string);
    expect(tr.amount_reversed).toBe(4999);
    expect(fee.amount_refunded).toBe(500);
    expect(avail(await stripe.balance.retrieve({}, { stripeAccount: dest }))).toBe(0);
    // platform: -4999 refunded, +4999 reversed, -500 fee refunded
    expect(avail(await stripe.balance.retrieve()) - platformBefore).toBe(-500);
    await expect(stripe.refunds.create({ charge: ch.id })).rejects.toMatchObject({ code: "charge_already_refunded" });
  });
});
