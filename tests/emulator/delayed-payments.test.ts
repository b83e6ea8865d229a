// Delayed-notification payments (US bank account / ACH Direct Debit) in payment-mode Checkout: the session completes
// unpaid while the payment is processing, and settles later as checkout.session.async_payment_succeeded or
// checkout.session.async_payment_failed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { payCheckoutSession, setPaymentMethods, settleDelayedPayment } from "../../scripts/stripe-emulator/testing.js";
import { avail, boot, destinationSession, eventLog, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
beforeAll(async () => ({ em, stripe } = await boot()));
afterAll(async () => em.close());
beforeEach(async () => {
  await setPaymentMethods(em.url, ["card", "us_bank_account"]);
});
const { marker, eventTypes } = eventLog(() => stripe);

const SUCCEEDS = "000123456789";
const ACCOUNT_CLOSED = "000111111113";

async function bankSession(amount = 10000, fee = 1000) {
  const seller = await onboardedAccount(em, stripe);
  const session = await destinationSession(stripe, seller.id, amount, fee);
  return { seller, session };
}

async function balances(acct: string) {
  return {
    platform: avail(await stripe.balance.retrieve()),
    connected: avail(await stripe.balance.retrieve({}, { stripeAccount: acct })),
  };
}

describe("payment methods offered by Checkout", () => {
  it("offers only cards unless US bank accounts are enabled, as the Dashboard's settings would", async () => {
    await setPaymentMethods(em.url, ["card"]);
    const seller = await onboardedAccount(em, stripe);
    const cardOnly = await destinationSession(stripe, seller.id);
    expect(cardOnly.payment_method_types).toEqual(["card"]);
    await expect(
      payCheckoutSession(em.url, cardOnly.id, { us_bank_account: { account_number: SUCCEEDS } }),
    ).rejects.toThrow(/us_bank_account/);
    await setPaymentMethods(em.url, ["card", "us_bank_account"]);
    expect((await destinationSession(stripe, seller.id)).payment_method_types).toEqual(["card", "us_bank_account"]);
    // ACH debits are in USD only.
    expect((await destinationSession(stripe, seller.id, 10000, 1000, "eur")).payment_method_types).toEqual(["card"]);
  });

  it("filters by allowed / excluded types (API 2026-10-28 has no static list) and refuses what it can't take", async () => {
    const seller = await onboardedAccount(em, stripe);
    const base = (currency: string) => ({
      mode: "payment" as const,
      line_items: [{ quantity: 1, price_data: { currency, unit_amount: 1000, product_data: { name: "x" } } }],
      success_url: "http://localhost/s",
      payment_intent_data: { transfer_data: { destination: seller.id } },
    });
    const only = await stripe.checkout.sessions.create({
      ...base("usd"),
      allowed_payment_method_types: ["us_bank_account"],
    });
    expect(only.payment_method_types).toEqual(["us_bank_account"]);
    expect(only.allowed_payment_method_types).toEqual(["us_bank_account"]);
    const noBank = await stripe.checkout.sessions.create({
      ...base("usd"),
      excluded_payment_method_types: ["us_bank_account"],
    });
    expect(noBank.payment_method_types).toEqual(["card"]);
    // ACH debits are in USD only: nothing is left to offer.
    await expect(
      stripe.checkout.sessions.create({ ...base("eur"), allowed_payment_method_types: ["us_bank_account"] }),
    ).rejects.toThrow(/No payment method types/);
    await expect(
      stripe.checkout.sessions.create({ ...base("usd"), allowed_payment_method_types: ["sepa_debit"] }),
    ).rejects.toThrow(/sepa_debit/);
    // The removed static parameter is refused, not ignored.
    await expect(
      stripe.checkout.sessions.create({ ...base("usd"), payment_method_types: ["card"] } as never),
    ).rejects.toThrow(/payment_method_types/);
  });
});

describe("a US bank account payment", () => {
  it("completes the session unpaid while processing, moving no money, then settles as paid", async () => {
    const { seller, session } = await bankSession(10000, 1000);
    const before = await balances(seller.id);
    const mark = await marker();
    const paid = await payCheckoutSession(em.url, session.id, { us_bank_account: { account_number: SUCCEEDS } });
    expect(paid.status).toBe("processing");
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    expect(completed).toMatchObject({ status: "complete", payment_status: "unpaid", url: null });
    const intent = await stripe.paymentIntents.retrieve(paid.payment_intent!, { expand: ["latest_charge"] });
    expect(intent.status).toBe("processing");
    const charge = intent.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: "pending", paid: false, balance_transaction: null });
    expect(charge.transfer ?? null).toBeNull();
    expect(charge.payment_method_details?.type).toBe("us_bank_account");
    expect(charge.payment_method_details?.us_bank_account?.last4).toBe("6789");
    expect(await balances(seller.id)).toEqual(before);
    expect(
      await eventTypes(mark, [
        "payment_intent.created",
        "charge.pending",
        "payment_intent.processing",
        "checkout.session.completed",
        "charge.succeeded",
      ]),
    ).toEqual(["payment_intent.created", "charge.pending", "payment_intent.processing", "checkout.session.completed"]);
    const completedEvent = (await stripe.events.list({ type: "checkout.session.completed", limit: 1 })).data[0]!;
    expect((completedEvent.data.object as Stripe.Checkout.Session).payment_status).toBe("unpaid");

    const settleMark = await marker();
    const settled = await settleDelayedPayment(em.url, paid.payment_intent!);
    expect(settled.status).toBe("succeeded");
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: "complete",
      payment_status: "paid",
    });
    const settledCharge = await stripe.charges.retrieve(charge.id);
    expect(settledCharge).toMatchObject({ status: "succeeded", paid: true, amount_captured: 10000 });
    expect(settledCharge.transfer).toMatch(/^tr_/);
    expect(
      await eventTypes(settleMark, [
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "application_fee.created",
        "transfer.created",
      ]),
    ).toEqual([
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.async_payment_succeeded",
      "application_fee.created",
      "transfer.created",
    ]);
    // The same money as a card: platform keeps the fee minus Stripe's, the creator the rest.
    const after = await balances(seller.id);
    expect(after.platform - before.platform).toBe(1000 - 320);
    expect(after.connected - before.connected).toBe(9000);
    // A settled payment can't settle again.
    await expect(settleDelayedPayment(em.url, paid.payment_intent!)).rejects.toThrow(/processing/);
  });

  it("fails later for a closed account: async_payment_failed, nothing moved, the session stays complete", async () => {
    const { seller, session } = await bankSession();
    const before = await balances(seller.id);
    const paid = await payCheckoutSession(em.url, session.id, { us_bank_account: { account_number: ACCOUNT_CLOSED } });
    expect(paid.status).toBe("processing");
    const mark = await marker();
    const settled = await settleDelayedPayment(em.url, paid.payment_intent!);
    expect(settled.status).toBe("requires_payment_method");
    expect(settled.last_payment_error?.code).toBe("account_closed");
    const charge = await stripe.charges.retrieve(settled.latest_charge as string);
    expect(charge).toMatchObject({ status: "failed", paid: false, failure_code: "account_closed" });
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: "complete",
      payment_status: "unpaid",
    });
    expect(
      await eventTypes(mark, [
        "charge.failed",
        "payment_intent.payment_failed",
        "checkout.session.async_payment_failed",
        "checkout.session.async_payment_succeeded",
        "transfer.created",
      ]),
    ).toEqual(["charge.failed", "payment_intent.payment_failed", "checkout.session.async_payment_failed"]);
    expect(await balances(seller.id)).toEqual(before);
    await expect(settleDelayedPayment(em.url, paid.payment_intent!)).rejects.toThrow(/processing/);
  });

  it("accepts only Stripe's test account numbers, and no settling of card payments", async () => {
    const { session } = await bankSession();
    await expect(
      payCheckoutSession(em.url, session.id, { us_bank_account: { account_number: "123456789" } }),
    ).rejects.toThrow(/test account/);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    const card = await payCheckoutSession(em.url, session.id);
    expect(card.status).toBe("succeeded");
    await expect(settleDelayedPayment(em.url, card.payment_intent!)).rejects.toThrow(/processing/);
  });
});
