import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { closeDispute, openDispute, payCheckoutSession } from "../../scripts/stripe-emulator/testing.js";
import { processingFee, DEFAULT_FEE_TABLE } from "../../scripts/stripe-emulator/money.js";
import { avail, boot, destinationSession, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
beforeAll(async () => ({ em, stripe } = await boot()));
afterAll(async () => em.close());

async function balances(acct: string) {
  await stripe.balance.retrieve(); // warm
  return {
    platform: avail(await stripe.balance.retrieve()),
    connected: avail(await stripe.balance.retrieve({}, { stripeAccount: acct })),
  };
}

async function paidCharge(amount = 10000, fee = 1000) {
  await stripe.balance.retrieve();
  const seller = await onboardedAccount(em, stripe);
  const before = avail(await stripe.balance.retrieve());
  const s = await destinationSession(stripe, seller.id, amount, fee);
  const r = await payCheckoutSession(em.url, s.id);
  expect(r.status).toBe("succeeded");
  const pi = await stripe.paymentIntents.retrieve(r.payment_intent!, { expand: ["latest_charge"] });
  return { seller, charge: pi.latest_charge as Stripe.Charge, platformBefore: before };
}

describe("processing fee", () => {
  it("rounds amount*bps/10000 and adds the fixed part", () => {
    expect(processingFee(DEFAULT_FEE_TABLE, "usd", 10000)).toBe(320);
    expect(processingFee(DEFAULT_FEE_TABLE, "usd", 1999)).toBe(88); // 57.971 -> 58 + 30
    expect(processingFee(DEFAULT_FEE_TABLE, "jpy", 5000)).toBe(180);
  });
});

describe("destination charge money movement", () => {
  it("splits a payment between Stripe, the platform and the connected account to the cent", async () => {
    const { seller, charge, platformBefore } = await paidCharge(10000, 1000);
    const bt = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    expect(bt).toMatchObject({ amount: 10000, fee: 320, net: 9680, type: "charge" });
    expect(bt.fee_details[0]).toMatchObject({ type: "stripe_fee", amount: 320 });
    const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
    expect(fee).toMatchObject({ amount: 1000, account: seller.id, charge: charge.id });
    const tr = await stripe.transfers.retrieve(charge.transfer as string);
    expect(tr).toMatchObject({ amount: 10000, destination: seller.id, source_transaction: charge.id });
    const py = await stripe.charges.retrieve(tr.destination_payment as string, {}, { stripeAccount: seller.id });
    expect(py.id).toMatch(/^py_/);
    const pyBt = await stripe.balanceTransactions.retrieve(
      py.balance_transaction as string,
      {},
      { stripeAccount: seller.id },
    );
    expect(pyBt).toMatchObject({ amount: 10000, fee: 1000, net: 9000, type: "payment" });
    const b = await balances(seller.id);
    expect(b.platform - platformBefore).toBe(680); // 1000 fee - 320 Stripe fee
    expect(b.connected).toBe(9000);
    expect(b.platform - platformBefore + b.connected).toBe(10000 - 320);
  });

  it("partial refund with reversal and fee refund moves funds proportionally", async () => {
    const { seller, charge, platformBefore } = await paidCharge(10000, 1000);
    const re = await stripe.refunds.create({
      charge: charge.id,
      amount: 2500,
      reverse_transfer: true,
      refund_application_fee: true,
      reason: "requested_by_customer",
      metadata: { why: "test" },
    });
    expect(re).toMatchObject({
      amount: 2500,
      status: "succeeded",
      reason: "requested_by_customer",
      metadata: { why: "test" },
    });
    expect(re.transfer_reversal).toMatch(/^trr_/);
    const b = await balances(seller.id);
    expect(b.platform - platformBefore).toBe(680 - 2500 + 2500 - 250);
    expect(b.connected).toBe(9000 - 2500 + 250);
    const tr = await stripe.transfers.retrieve(charge.transfer as string);
    expect(tr.amount_reversed).toBe(2500);
    const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
    expect(fee.amount_refunded).toBe(250);
    // refund the rest by payment intent: everything is reversed
    const re2 = await stripe.refunds.create({
      payment_intent: charge.payment_intent as string,
      reverse_transfer: true,
      refund_application_fee: true,
    });
    expect(re2.amount).toBe(7500);
    const ch = await stripe.charges.retrieve(charge.id);
    expect(ch.refunded).toBe(true);
    expect(ch.amount_refunded).toBe(10000);
    const b2 = await balances(seller.id);
    expect(b2.connected).toBe(0);
    expect(b2.platform - platformBefore).toBe(-320); // the platform is left with Stripe's fee
    await expect(stripe.refunds.create({ charge: charge.id, amount: 1 })).rejects.toMatchObject({
      code: "charge_already_refunded",
    });
  });

  it("partial refund without reversal is paid by the platform alone", async () => {
    const { seller, charge, platformBefore } = await paidCharge(5000, 500);
    await stripe.refunds.create({ charge: charge.id, amount: 1000 });
    const b = await balances(seller.id);
    const P = processingFee(DEFAULT_FEE_TABLE, "usd", 5000);
    expect(b.platform - platformBefore).toBe(500 - P - 1000);
    expect(b.connected).toBe(4500);
    await expect(stripe.refunds.create({ charge: charge.id, amount: 4001 })).rejects.toMatchObject({
      statusCode: 400,
      param: "amount",
      message: "Refund amount ($40.01) is greater than unrefunded amount on charge ($40.00)",
    });
    const refunds = await stripe.refunds.list({ charge: charge.id });
    expect(refunds.data).toHaveLength(1);
  });

  it("disputes withdraw amount plus fee from the platform and reinstate the amount when won", async () => {
    const { seller, charge, platformBefore } = await paidCharge(10000, 1000);
    const dp = await openDispute(em.url, charge.id);
    expect(dp).toMatchObject({ amount: 10000, status: "needs_response", charge: charge.id });
    let b = await balances(seller.id);
    expect(b.platform - platformBefore).toBe(680 - 10000 - 1500);
    expect(b.connected).toBe(9000);
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({ code: "charge_disputed" });
    const won = await closeDispute(em.url, dp.id, "won");
    expect(won.status).toBe("won");
    b = await balances(seller.id);
    expect(b.platform - platformBefore).toBe(680 - 1500);
    const lostCase = await paidCharge(2000, 200);
    const dp2 = await openDispute(em.url, lostCase.charge.id);
    const lost = await stripe.disputes.close(dp2.id);
    expect(lost.status).toBe("lost");
    const types = (
      await stripe.events.list({ types: ["charge.dispute.created", "charge.dispute.closed"], limit: 10 })
    ).data.map((e) => e.type);
    expect(types.filter((t) => t === "charge.dispute.closed")).toHaveLength(2);
  });

  it("the dispute test card opens a dispute after payment", async () => {
    const seller = await onboardedAccount(em, stripe);
    const s = await destinationSession(stripe, seller.id);
    const r = await payCheckoutSession(em.url, s.id, { card: "4000000000000259" });
    expect(r.status).toBe("succeeded");
    const pi = await stripe.paymentIntents.retrieve(r.payment_intent!);
    const disputes = await stripe.disputes.list({ charge: pi.latest_charge as string });
    expect(disputes.data).toHaveLength(1);
    expect(disputes.data[0].reason).toBe("fraudulent");
    const ch = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(ch.disputed).toBe(true);
  });

  it("handles zero-decimal currencies and payouts on the connected account", async () => {
    const seller = await onboardedAccount(em, stripe);
    const s = await destinationSession(stripe, seller.id, 5000, 500, "jpy");
    const r = await payCheckoutSession(em.url, s.id);
    const pi = await stripe.paymentIntents.retrieve(r.payment_intent!, {
      expand: ["latest_charge.balance_transaction"],
    });
    const bt = (pi.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    expect(bt).toMatchObject({ currency: "jpy", amount: 5000, fee: 180, net: 4820 });
    const connected = await stripe.balance.retrieve({}, { stripeAccount: seller.id });
    expect(avail(connected, "jpy")).toBe(4500);
    const po = await stripe.payouts.create({ amount: 4000, currency: "jpy" }, { stripeAccount: seller.id });
    expect(po.id).toMatch(/^po_/);
    expect(avail(await stripe.balance.retrieve({}, { stripeAccount: seller.id }), "jpy")).toBe(500);
    await expect(
      stripe.payouts.create({ amount: 501, currency: "jpy" }, { stripeAccount: seller.id }),
    ).rejects.toMatchObject({ code: "balance_insufficient" });
    const pos = await stripe.payouts.list({}, { stripeAccount: seller.id });
    expect(pos.data.map((p) => p.id)).toEqual([po.id]);
  });

  it("manual transfer reversal and application fee refunds are capped", async () => {
    const { charge } = await paidCharge(3000, 300);
    const trr = await stripe.transfers.createReversal(charge.transfer as string, { amount: 1000 });
    expect(trr.amount).toBe(1000);
    await expect(stripe.transfers.createReversal(charge.transfer as string, { amount: 2001 })).rejects.toMatchObject({
      code: "amount_too_large",
    });
    const fr = await stripe.applicationFees.createRefund(charge.application_fee as string, { amount: 100 });
    expect(fr.id).toMatch(/^fr_/);
    await expect(
      stripe.applicationFees.createRefund(charge.application_fee as string, { amount: 201 }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
