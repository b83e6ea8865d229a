// Refunds and disputes through the real stack, checked against Stripe's balances to the cent.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, type AuditActor } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { recoverDisputeLoss } from "#app/domain/disputes.server.ts";
import { refundSplit } from "#app/domain/refund-split.ts";
import { previewRefund, refundOrder } from "#app/domain/refunds.server.ts";
import { db } from "#app/utils/db.server.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { createUser } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
let stripe: Stripe;
let staff: AuditActor;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
  const { user } = await createUser({ role: "STAFF" });
  staff = { type: "USER", id: user.id };
});
afterAll(async () => stripeEnv?.stop());

let keys = 0;
const key = () => `test-request-${++keys}-${Date.now()}`;

async function balanceOf(account: string | null, currency = "usd") {
  const balance = account
    ? await stripe.balance.retrieve({}, { stripeAccount: account })
    : await stripe.balance.retrieve();
  return [...balance.available, ...balance.pending]
    .filter((b) => b.currency === currency)
    .reduce((s, b) => s + b.amount, 0);
}

async function paidOrder(amount = 10_000, currency = "usd") {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedProduct(creator.id, { amount, currency });
  const { user } = await createUser();
  const { url } = await startCheckout({
    buyer: user,
    productId: product.id,
    appUrl: "http://localhost:3000",
    actor: SYSTEM_ACTOR,
  });
  await controls.payCheckoutSession(stripeEnv.url, /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!);
  await stripeEnv.settle();
  const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id } });
  return { creator, order, buyer: user };
}

const refund = (orderId: string, amount: number, extra: Partial<Parameters<typeof refundOrder>[0]> = {}) =>
  refundOrder({
    orderId,
    amount,
    reason: "requested_by_customer",
    reverseTransfer: true,
    refundApplicationFee: true,
    requestKey: key(),
    actor: staff,
    ...extra,
  });

describe("refund arithmetic", () => {
  it("splits proportionally and cumulatively, so a sequence of partial refunds adds up to the whole", () => {
    const order = {
      totalAmount: 1001,
      applicationFeeAmount: 150,
      refundedAmount: 0,
      transferReversedAmount: 0,
      applicationFeeRefunded: 0,
    };
    let fee = 0;
    // Worked out by hand: the whole 1001 was transferred, so each reversal is the refund itself; the fee parts are
    // round(333×150/1001) = 50, round(666×150/1001) − 50 = 50 and 150 − 100 = 50; the creator gives back the
    // reversal net of the fee refund, the platform the fee refund.
    const expected = [
      { amount: 333, transferReversal: 333, applicationFeeRefund: 50, creatorGivesBack: 283, platformGivesBack: 50 },
      { amount: 333, transferReversal: 333, applicationFeeRefund: 50, creatorGivesBack: 283, platformGivesBack: 50 },
      { amount: 335, transferReversal: 335, applicationFeeRefund: 50, creatorGivesBack: 285, platformGivesBack: 50 },
    ];
    for (const { amount, ...parts } of expected) {
      const split = refundSplit(order, amount, { reverseTransfer: true, refundApplicationFee: true });
      expect(split).toEqual({ buyerReceives: amount, ...parts });
      order.refundedAmount += amount;
      order.transferReversedAmount += split.transferReversal;
      order.applicationFeeRefunded += split.applicationFeeRefund;
      fee += split.applicationFeeRefund;
    }
    expect(order.transferReversedAmount).toBe(1001);
    expect(fee).toBe(150);
  });
});

describe("refunds on the emulator", () => {
  it("keeps platform balance, creator balance and order totals in agreement after partial refunds with and without reversal", async () => {
    const { creator, order } = await paidOrder(10_000);
    const account = creator.stripeAccountId!;
    let platform = await balanceOf(null);
    let creatorBalance = await balanceOf(account);
    expect(creatorBalance).toBe(order.creatorAmount);

    const steps = [
      { amount: 2_500, reverseTransfer: true, refundApplicationFee: true },
      { amount: 1_000, reverseTransfer: false, refundApplicationFee: false },
      { amount: 3_333, reverseTransfer: true, refundApplicationFee: false },
      { amount: 3_167, reverseTransfer: true, refundApplicationFee: true },
    ];
    for (const step of steps) {
      const before = await db().order.findUniqueOrThrow({ where: { id: order.id } });
      const split = refundSplit(before, step.amount, step);
      const made = await refund(order.id, step.amount, { ...step, balancePolicy: "reverse_anyway" });
      expect(made.stripeRefundId).toMatch(/^re_/);
      await stripeEnv.settle();
      const nowPlatform = await balanceOf(null);
      const nowCreator = await balanceOf(account);
      expect(platform - nowPlatform).toBe(split.platformGivesBack);
      expect(creatorBalance - nowCreator).toBe(split.creatorGivesBack);
      platform = nowPlatform;
      creatorBalance = nowCreator;
    }
    const final = await db().order.findUniqueOrThrow({ where: { id: order.id }, include: { refunds: true } });
    expect(final.refundedAmount).toBe(10_000);
    expect(final.status).toBe("REFUNDED");
    expect(final.refunds.every((r) => r.status === "SUCCEEDED")).toBe(true);
    const charge = await stripe.charges.retrieve(order.stripeChargeId!);
    expect(charge.amount_refunded).toBe(final.refundedAmount);
    const transfer = await stripe.transfers.retrieve(order.stripeTransferId!);
    expect(transfer.amount_reversed).toBe(final.transferReversedAmount);
    const fee = (await stripe.applicationFees.list({ charge: order.stripeChargeId!, limit: 1 })).data[0]!;
    expect(fee.amount_refunded).toBe(final.applicationFeeRefunded);
    expect(creatorBalance).toBe(order.creatorAmount - (final.transferReversedAmount - final.applicationFeeRefunded));
    const rollups = await db().dailyRevenue.findMany({ where: { creatorId: creator.id } });
    expect(rollups.reduce((s, r) => s + r.refundedAmount, 0)).toBe(10_000);
    expect(rollups.reduce((s, r) => s + r.refundCount, 0)).toBe(4);
    expect(rollups.reduce((s, r) => s + r.applicationFeeRefunded, 0)).toBe(final.applicationFeeRefunded);
  });

  it("keeps access after a partial refund and revokes it after the full refund settles", async () => {
    const { order, buyer } = await paidOrder(4_000);
    await refund(order.id, 1_000);
    await stripeEnv.settle();
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("ACTIVE");
    await refund(order.id, 3_000);
    await stripeEnv.settle();
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("REVOKED");
    const audits = await db().auditLog.findMany({ where: { orderId: order.id }, orderBy: { id: "asc" } });
    expect(audits.filter((a) => a.action === "refund.created").map((a) => a.actorId)).toEqual([staff.id, staff.id]);
    expect(audits.some((a) => a.action === "entitlement.revoked")).toBe(true);
  });

  it("refuses amounts above the remainder, zero, a stale view, and a disputed charge — writing nothing", async () => {
    const { order } = await paidOrder(2_000);
    await expect(refund(order.id, 2_001)).rejects.toMatchObject({ code: "amount_above_remainder" });
    await expect(refund(order.id, 0)).rejects.toMatchObject({ code: "amount_invalid" });
    await expect(refund(order.id, 1.5)).rejects.toMatchObject({ code: "amount_invalid", status: 409 });
    await expect(refund(order.id, 100, { expectedRefunded: 50 })).rejects.toMatchObject({ code: "stale" });
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(0);

    await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
    await stripeEnv.settle();
    await expect(refund(order.id, 100)).rejects.toMatchObject({ code: "disputed" });
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(0);
  });

  it("creates one refund when two staff refund the remainder at the same moment", async () => {
    const { order } = await paidOrder(3_000);
    const results = await Promise.allSettled([refund(order.id, 3_000), refund(order.id, 3_000)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: "amount_above_remainder" });
    await stripeEnv.settle();
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(1);
    const charge = await stripe.charges.retrieve(order.stripeChargeId!);
    expect(charge.amount_refunded).toBe(3_000);
  });

  it("makes one refund when the same form is submitted twice", async () => {
    const { order } = await paidOrder(3_000);
    const requestKey = key();
    const [a, b] = await Promise.all([refund(order.id, 500, { requestKey }), refund(order.id, 500, { requestKey })]);
    expect(a.id).toBe(b.id);
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(1);
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).refundedAmount).toBe(500);
  });

  it("keeps staff's note in its own column: the reason stays the code Stripe gets, and the audit row has both", async () => {
    const { order } = await paidOrder(3_000);
    const note = "Bought twice by mistake: see ticket 1234";
    const made = await refund(order.id, 1_000, { reason: "duplicate", note });
    expect(made).toMatchObject({ reason: "duplicate", staffNote: note });
    expect((await stripe.refunds.retrieve(made.stripeRefundId!)).reason).toBe("duplicate");
    const audit = await db().auditLog.findFirstOrThrow({ where: { entityId: made.id, action: "refund.created" } });
    expect(audit.data).toMatchObject({ reason: "duplicate", note });
    const plain = await refund(order.id, 500, { note: "  " });
    expect(plain).toMatchObject({ reason: "requested_by_customer", staffNote: null });
    await stripeEnv.settle();
  });

  it("asks for a policy when the creator's balance can't cover the reversal; 'platform absorbs' reverses nothing", async () => {
    const { creator, order } = await paidOrder(5_000);
    // The creator is paid out, so their balance is empty.
    const balance = await balanceOf(creator.stripeAccountId!);
    await stripe.payouts.create({ amount: balance, currency: "usd" }, { stripeAccount: creator.stripeAccountId! });
    const preview = await previewRefund({
      orderId: order.id,
      amount: 5_000,
      reverseTransfer: true,
      refundApplicationFee: true,
    });
    expect(preview.balanceCovers).toBe(false);
    expect(preview.revokesAccess).toBe(true);
    await expect(refund(order.id, 5_000)).rejects.toMatchObject({ code: "balance_short" });
    const made = await refund(order.id, 5_000, { balancePolicy: "platform_absorbs" });
    expect(made.reverseTransfer).toBe(false);
    expect(made.transferReversalAmount).toBe(0);
    await stripeEnv.settle();
    expect((await stripe.transfers.retrieve(order.stripeTransferId!)).amount_reversed).toBe(0);
  });
});

describe("refunds made outside the app", () => {
  it("records a refund made in Stripe's dashboard so the order, rollups, access and balances still match", async () => {
    const { creator, order, buyer } = await paidOrder(6_000);
    const before = await balanceOf(creator.stripeAccountId!);
    // Someone refunds half in Stripe's dashboard, reversing the transfer and returning the fee.
    await stripe.refunds.create({
      charge: order.stripeChargeId!,
      amount: 3_000,
      reverse_transfer: true,
      refund_application_fee: true,
    });
    await stripeEnv.settle();
    const half = await db().order.findUniqueOrThrow({ where: { id: order.id }, include: { refunds: true } });
    expect(half.refundedAmount).toBe(3_000);
    expect(half.status).toBe("PARTIALLY_REFUNDED");
    expect(half.refunds).toHaveLength(1);
    expect(half.refunds[0]).toMatchObject({
      status: "SUCCEEDED",
      amount: 3_000,
      transferReversalAmount: 3_000,
      applicationFeeRefundAmount: 450,
    });
    // No reason given in Stripe: "other", and a note for staff saying where it came from.
    expect(half.refunds[0]).toMatchObject({ reason: "other", staffNote: "Made in Stripe's dashboard" });
    expect(before - (await balanceOf(creator.stripeAccountId!))).toBe(3_000 - 450);
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("ACTIVE");
    // And the rest, without reversal: access ends, every total still matches Stripe.
    await stripe.refunds.create({ charge: order.stripeChargeId!, amount: 3_000 });
    await stripeEnv.settle();
    const all = await db().order.findUniqueOrThrow({ where: { id: order.id } });
    expect(all).toMatchObject({
      refundedAmount: 6_000,
      status: "REFUNDED",
      transferReversedAmount: 3_000,
      applicationFeeRefunded: 450,
    });
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("REVOKED");
    expect(await db().auditLog.count({ where: { orderId: order.id, action: "refund.recorded_from_stripe" } })).toBe(2);
    const rollups = await db().dailyRevenue.findMany({ where: { creatorId: creator.id } });
    expect(rollups.reduce((s, r) => s + r.refundedAmount, 0)).toBe(6_000);
  });
});

describe("disputes", () => {
  it("freezes access when opened and restores it when won", async () => {
    const { order, buyer } = await paidOrder(2_000);
    await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
    await stripeEnv.settle();
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("DISPUTED");
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("FROZEN");
    const dispute = await db().dispute.findFirstOrThrow({ where: { orderId: order.id } });
    expect(dispute.amount).toBe(2_000);
    expect(dispute.evidenceDueBy).not.toBeNull();
    await controls.closeDispute(stripeEnv.url, dispute.stripeDisputeId, "won");
    await stripeEnv.settle();
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("RESTORED");
    expect((await db().dispute.findUniqueOrThrow({ where: { id: dispute.id } })).outcome).toBe("WON");
  });

  it("revokes access when lost, counts the loss, and lets staff recover it from the creator once", async () => {
    const { creator, order, buyer } = await paidOrder(2_000);
    await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
    await stripeEnv.settle();
    const dispute = await db().dispute.findFirstOrThrow({ where: { orderId: order.id } });
    await controls.closeDispute(stripeEnv.url, dispute.stripeDisputeId, "lost");
    await stripeEnv.settle();
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("REVOKED");
    const rollups = await db().dailyRevenue.findMany({ where: { creatorId: creator.id } });
    expect(rollups.reduce((s, r) => s + r.disputeLostAmount, 0)).toBe(2_000);
    expect(rollups.reduce((s, r) => s + r.disputedAmount, 0)).toBe(2_000);

    const before = await balanceOf(creator.stripeAccountId!);
    const recovered = await recoverDisputeLoss({ disputeId: dispute.id, actor: staff });
    expect(recovered.recoveredAmount).toBe(2_000);
    expect(before - (await balanceOf(creator.stripeAccountId!))).toBe(2_000);
    await expect(recoverDisputeLoss({ disputeId: dispute.id, actor: staff })).rejects.toThrow(/already been recovered/);
  });

  it("reaches the same end state when the closing event arrives before the opening one", async () => {
    const { order, buyer } = await paidOrder(2_000);
    await controls.setWebhookControls(stripeEnv.url, { reorder: 50 });
    await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
    const opened = (await stripe.disputes.list({ limit: 100 })).data.find((d) => d.charge === order.stripeChargeId)!;
    await controls.closeDispute(stripeEnv.url, opened.id, "lost");
    await controls.releaseHeldWebhooks(stripeEnv.url);
    await stripeEnv.settle();
    await controls.setWebhookControls(stripeEnv.url, { reorder: 0 });
    const dispute = await db().dispute.findFirstOrThrow({ where: { orderId: order.id } });
    expect(dispute.outcome).toBe("LOST");
    expect((await db().entitlement.findFirstOrThrow({ where: { userId: buyer.id } })).status).toBe("REVOKED");
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("DISPUTE_LOST");
  });
});
