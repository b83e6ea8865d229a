// Fault suite, defect 2: a refund that fails after it succeeded (Stripe's test card 4000 0000 0000 5126 does this;
// real cards do it days later). The buyer never got the money, so our books undo the refund, access the refund took
// comes back, the creator is paid back what the transfer reversal took (the application fee refund stands: Stripe
// doesn't undo it), and staff are alerted. Every scenario ends
// with the marketplace's invariants, the creator's Stripe balance against our books included.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { refundOrder } from "#app/domain/refunds.server.ts";
import { db } from "#app/utils/db.server.ts";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { createUser } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";
import { failRefund, resendEvent } from "../../scripts/stripe-emulator/testing.ts";

let stripeEnv: TestStripe;
let stripe: Stripe;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
});
afterEach(async () => {
  await stripeEnv.settle();
  await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey);
});
afterAll(async () => stripeEnv?.stop());

async function paidOrder(card = "4242424242424242", amount = 5_000) {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedProduct(creator.id, { amount, currency: "usd" });
  const { user } = await createUser();
  const { url } = await startCheckout({ buyer: user, productId: product.id, appUrl: "http://x", actor: SYSTEM_ACTOR });
  await controls.payCheckoutSession(stripeEnv.url, /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!, { card });
  await stripeEnv.settle();
  const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id }, include: { creator: true } });
  return { order, creator };
}

const staffRefund = (orderId: string, amount: number) =>
  refundOrder({
    orderId,
    amount,
    reason: "requested_by_customer",
    reverseTransfer: true,
    refundApplicationFee: true,
    requestKey: `rk-${orderId}-${amount}-${Math.random()}`,
    actor: SYSTEM_ACTOR,
  });

async function orderState(orderId: string) {
  const order = await db().order.findUniqueOrThrow({
    where: { id: orderId },
    include: { refunds: true, entitlements: true },
  });
  return {
    status: order.status,
    refundedAmount: order.refundedAmount,
    transferReversedAmount: order.transferReversedAmount,
    applicationFeeRefunded: order.applicationFeeRefunded,
    refunds: order.refunds.map((r) => r.status),
    access: order.entitlements.map((e) => e.status),
  };
}

describe("defect 2: a refund that fails after succeeding", () => {
  it("a full staff refund on card 5126 fails later: order paid again, access back, creator paid back, one alert", async () => {
    const { order, creator } = await paidOrder("4000000000005126", 5_000);
    const before = await stripe.balance.retrieve({}, { stripeAccount: creator.stripeAccountId! });
    const refund = await staffRefund(order.id, 5_000);
    await stripeEnv.settle();
    expect(await orderState(order.id)).toEqual({
      status: "PAID",
      refundedAmount: 0,
      transferReversedAmount: 0,
      // The fee refund stands on Stripe, so it does in our books.
      applicationFeeRefunded: order.applicationFeeAmount,
      refunds: ["FAILED"],
      access: ["ACTIVE"],
    });
    const stored = await db().refund.findUniqueOrThrow({ where: { id: refund.id } });
    expect(stored.failureReason).toBe("expired_or_canceled_card");
    expect(stored.restoreTransferId).toMatch(/^tr_/);
    // The creator lost the reversal and got exactly that back; the fee refunded with it stays theirs.
    expect(stored.applicationFeeRefundAmount).toBe(750);
    const transfer = await stripe.transfers.retrieve(stored.restoreTransferId!);
    expect(transfer.amount).toBe(stored.transferReversalAmount);
    expect(transfer.destination).toBe(creator.stripeAccountId);
    const after = await stripe.balance.retrieve({}, { stripeAccount: creator.stripeAccountId! });
    expect(after.available[0]!.amount).toBe(before.available[0]!.amount + 750);
    const alerts = await db().staffAlert.findMany({ where: { orderId: order.id } });
    expect(alerts.map((a) => a.kind)).toEqual(["refund_failed_after_success"]);
    expect(alerts[0]!.message).toMatch(
      /\$50\.00 refund on order #\d+ failed.*creator was paid back \$50\.00; the \$7\.50 of the platform fee it gave back stays with the creator/,
    );
    const failures = await db().auditLog.findMany({ where: { orderId: order.id, action: "refund.failed" } });
    expect(failures).toHaveLength(1);
    expect(failures[0]!.data).toMatchObject({ failureReason: "expired_or_canceled_card", creatorPaidBack: 5_000 });
    // Whether access was revoked first depends on which of refund.updated (succeeded) and refund.failed a worker ran
    // first; either way, every revocation was given back.
    expect(await db().auditLog.count({ where: { orderId: order.id, action: "entitlement.active" } })).toBe(
      await db().auditLog.count({ where: { orderId: order.id, action: "entitlement.revoked" } }),
    );
  });

  it("a partial refund that fails later (the control), replayed twice, is undone once; the rest stays refundable", async () => {
    const { order } = await paidOrder("4242424242424242", 8_000);
    const first = await staffRefund(order.id, 3_000);
    const second = await staffRefund(order.id, 2_000);
    await stripeEnv.settle();
    expect((await orderState(order.id)).refundedAmount).toBe(5_000);
    const stripeId = (await db().refund.findUniqueOrThrow({ where: { id: first.id } })).stripeRefundId!;
    await failRefund(stripeEnv.url, stripeId, "lost_or_stolen_card");
    await stripeEnv.settle();
    const failedEvent = (await stripe.events.list({ type: "refund.failed", limit: 10 })).data.find(
      (e) => (e.data.object as Stripe.Refund).id === stripeId,
    )!;
    await resendEvent(stripeEnv.url, failedEvent.id);
    await resendEvent(stripeEnv.url, failedEvent.id);
    await stripeEnv.settle();
    const state = await orderState(order.id);
    expect(state).toMatchObject({ status: "PARTIALLY_REFUNDED", refundedAmount: 2_000, access: ["ACTIVE"] });
    expect(state.refunds.sort()).toEqual(["FAILED", "SUCCEEDED"]);
    expect((await db().refund.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("SUCCEEDED");
    expect(await db().staffAlert.count({ where: { orderId: order.id } })).toBe(1);
    // What the failed refund gave back can be refunded again.
    await staffRefund(order.id, 6_000);
    await stripeEnv.settle();
    expect(await orderState(order.id)).toMatchObject({
      status: "REFUNDED",
      refundedAmount: 8_000,
      access: ["REVOKED"],
    });
  });

  it("a full refund made in Stripe's dashboard that fails later is undone too", async () => {
    const { order } = await paidOrder("4242424242424242", 4_000);
    const refund = await stripe.refunds.create({ charge: order.stripeChargeId!, reverse_transfer: true });
    await stripeEnv.settle();
    expect(await orderState(order.id)).toMatchObject({ status: "REFUNDED", access: ["REVOKED"] });
    await failRefund(stripeEnv.url, refund.id);
    await stripeEnv.settle();
    expect(await orderState(order.id)).toMatchObject({
      status: "PAID",
      refundedAmount: 0,
      transferReversedAmount: 0,
      refunds: ["FAILED"],
      access: ["ACTIVE"],
    });
  });
});
