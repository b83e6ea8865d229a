// Payouts that fail after Stripe reported them paid, as banks report some days later (Stripe: "a payout can show as
// paid and then change to failed"): the payout says why in Stripe's words, its amount comes back to the connected
// account's balance through a `payout_failure` balance transaction, and `payout.failed` is sent to Connect endpoints.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { failPayout, payCheckoutSession } from "../../scripts/stripe-emulator/testing.js";
import { avail, boot, destinationSession, eventLog, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
beforeAll(async () => ({ em, stripe } = await boot()));
afterAll(async () => em.close());
const { marker, eventsAfter } = eventLog(() => stripe);

async function sellerWithBalance() {
  const seller = await onboardedAccount(em, stripe);
  const session = await destinationSession(stripe, seller.id, 10000, 1000);
  await payCheckoutSession(em.url, session.id);
  return seller;
}

describe("a payout that fails", () => {
  it("is paid, then failed with Stripe's code and message; the money is back in the balance; events say so", async () => {
    const seller = await sellerWithBalance();
    const before = avail(await stripe.balance.retrieve({}, { stripeAccount: seller.id }));
    expect(before).toBe(9000);
    const payout = await stripe.payouts.create({ amount: 6000, currency: "usd" }, { stripeAccount: seller.id });
    expect(payout.status).toBe("paid");
    expect(avail(await stripe.balance.retrieve({}, { stripeAccount: seller.id }))).toBe(3000);
    const mark = await marker();

    const failed = await failPayout(em.url, payout.id, "account_closed");
    expect(failed).toMatchObject({
      id: payout.id,
      status: "failed",
      failure_code: "account_closed",
      failure_message: "The bank account has been closed.",
    });
    const stored = await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: seller.id });
    expect(stored).toMatchObject({ status: "failed", failure_code: "account_closed" });
    const txn = await stripe.balanceTransactions.retrieve(
      stored.failure_balance_transaction as string,
      {},
      { stripeAccount: seller.id },
    );
    expect(txn).toMatchObject({ amount: 6000, currency: "usd", type: "payout_failure", source: payout.id });
    expect(avail(await stripe.balance.retrieve({}, { stripeAccount: seller.id }))).toBe(9000);

    const events = await eventsAfter(mark, ["payout.failed", "payout.updated"]);
    // Events of a connected account are listed with its Stripe-Account header.
    expect(events).toEqual([]);
    const connected = (await stripe.events.list({ limit: 10 }, { stripeAccount: seller.id })).data.filter((e) =>
      e.type.startsWith("payout."),
    );
    expect(connected.map((e) => `${e.type}:${(e.data.object as Stripe.Payout).status}`)).toEqual([
      "payout.failed:failed",
      "payout.paid:paid",
      "payout.created:pending",
    ]);
    expect(connected[0]!.account).toBe(seller.id);
    expect(connected[0]!.data.previous_attributes).toEqual({ status: "paid" });
  });

  it("cannot fail twice, nor with a code Stripe doesn't have, nor a payout that doesn't exist", async () => {
    const seller = await sellerWithBalance();
    const payout = await stripe.payouts.create({ amount: 1000, currency: "usd" }, { stripeAccount: seller.id });
    await expect(failPayout(em.url, payout.id, "not_a_code")).rejects.toThrow(/failure_code/);
    expect((await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: seller.id })).status).toBe("paid");
    const failed = await failPayout(em.url, payout.id);
    expect(failed).toMatchObject({ status: "failed", failure_code: "could_not_process" });
    await expect(failPayout(em.url, payout.id)).rejects.toThrow(/status is failed/);
    await expect(failPayout(em.url, "po_missing")).rejects.toThrow(/No such payout/);
    expect(avail(await stripe.balance.retrieve({}, { stripeAccount: seller.id }))).toBe(9000);
  });
});
