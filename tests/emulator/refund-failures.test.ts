// Refunds that fail after they succeeded, as card networks report some days later (test card 4000 0000 0000 5126, or
// the control): the money comes back to the charge's account, the charge counts it as unrefunded, and the transfer
// reversal the refund made is not undone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { failRefund, payCheckoutSession } from "../../scripts/stripe-emulator/testing.js";
import { avail, boot, destinationSession, eventLog, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
beforeAll(async () => ({ em, stripe } = await boot()));
afterAll(async () => em.close());
const { marker, eventsAfter } = eventLog(() => stripe);

async function paidCharge(card: string) {
  const seller = await onboardedAccount(em, stripe);
  const session = await destinationSession(stripe, seller.id, 10000, 1000);
  const paid = await payCheckoutSession(em.url, session.id, { card });
  const intent = await stripe.paymentIntents.retrieve(paid.payment_intent!);
  return { seller, chargeId: intent.latest_charge as string };
}

async function balances(account: string) {
  return {
    platform: avail(await stripe.balance.retrieve()),
    connected: avail(await stripe.balance.retrieve({}, { stripeAccount: account })),
  };
}

describe("a refund that fails after succeeding", () => {
  it("with card 4000 0000 0000 5126: answered succeeded, then refund.failed; the refund's money comes back, the reversal stays", async () => {
    const { seller, chargeId } = await paidCharge("4000000000005126");
    const before = await balances(seller.id);
    const mark = await marker();
    const refund = await stripe.refunds.create({ charge: chargeId, amount: 4000, reverse_transfer: true });
    expect(refund.status).toBe("succeeded");

    const now = await stripe.refunds.retrieve(refund.id);
    expect(now).toMatchObject({ status: "failed", failure_reason: "expired_or_canceled_card" });
    expect(now.failure_balance_transaction).toMatch(/^txn_/);
    const failureTxn = await stripe.balanceTransactions.retrieve(now.failure_balance_transaction as string);
    expect(failureTxn).toMatchObject({ amount: 4000, type: "refund_failure", source: refund.id });
    const charge = await stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ amount_refunded: 0, refunded: false });

    const after = await balances(seller.id);
    // The platform paid 4000 and got it back; it also keeps the reversal (4000: 40% of the 10 000 transfer).
    expect(after.platform - before.platform).toBe(4000);
    expect(after.connected - before.connected).toBe(-4000);
    expect(typeof now.transfer_reversal === "string" ? now.transfer_reversal : now.transfer_reversal?.id).toMatch(
      /^trr_/,
    );

    const events = (
      await eventsAfter(mark, ["refund.created", "refund.updated", "refund.failed", "charge.refund.updated"])
    ).map((e) => `${e.type}:${(e.data.object as Stripe.Refund).status}`);
    expect(events).toEqual([
      "refund.created:pending",
      "refund.updated:succeeded",
      "refund.updated:failed",
      "refund.failed:failed",
      "charge.refund.updated:failed",
    ]);
    // What remains refundable is the whole charge again.
    const again = await stripe.refunds.create({ charge: chargeId, amount: 10000 });
    expect(again.amount).toBe(10000);
  });

  it("with the control, any succeeded refund fails; a failed one cannot fail twice, and reasons are Stripe's", async () => {
    const { chargeId } = await paidCharge("4242424242424242");
    const refund = await stripe.refunds.create({ charge: chargeId, amount: 2500 });
    expect(refund.status).toBe("succeeded");
    await expect(failRefund(em.url, refund.id, "not_a_reason")).rejects.toThrow(/failure_reason/);
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe("succeeded");
    const failed = await failRefund(em.url, refund.id, "lost_or_stolen_card");
    expect(failed).toMatchObject({ status: "failed", failure_reason: "lost_or_stolen_card" });
    expect((await stripe.charges.retrieve(chargeId)).amount_refunded).toBe(0);
    await expect(failRefund(em.url, refund.id)).rejects.toThrow(/status is failed/);
    await expect(failRefund(em.url, "re_missing")).rejects.toThrow(/No such refund/);
  });
});
