// The money emails through the real stack: purchases, refunds, refund requests and disputes on the Stripe emulator,
// their webhooks processed by the queue's workers, each email written to the outbox by the transaction of its cause and
// delivered over SMTP to this file's local mail server (tests/helpers/mail.ts), where these tests read it. Each
// message: its trigger, its recipient, its amounts in the order's currency, and once (duplicated webhooks too).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, type AuditActor } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { formatDeadline } from "#app/domain/email/money-messages.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { updateNotificationSettings } from "#app/domain/notification-settings.server.ts";
import { approveRefundRequest, requestRefund } from "#app/domain/refund-requests.server.ts";
import { refundOrder } from "#app/domain/refunds.server.ts";
import { action as refundRequestsAction } from "#app/routes/staff+/refund-requests.tsx";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { deliveries, header, links, type Delivery } from "#tests/helpers/mail.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, formRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
let staff: AuditActor;
let staffCookie: string;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
  const { user } = await createUser({ role: "STAFF" });
  staff = { type: "USER", id: user.id };
  staffCookie = await sessionCookie(user.id);
});
afterAll(async () => stripeEnv?.stop());

let keys = 0;
const key = () => `money-emails-${++keys}-${Date.now()}`;

async function paidOrder(amount = 10_000, currency = "usd") {
  const { creator, user: creatorUser } = await onboardedCreator(stripeEnv.url);
  const product = await publishedProduct(creator.id, { amount, currency });
  const { user: buyer } = await createUser();
  const { url } = await startCheckout({
    buyer,
    productId: product.id,
    appUrl: "http://localhost:3000",
    actor: SYSTEM_ACTOR,
  });
  await controls.payCheckoutSession(stripeEnv.url, /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!);
  await stripeEnv.settle();
  const order = await db().order.findFirstOrThrow({ where: { buyerId: buyer.id } });
  return { creator, creatorUser, product, buyer, order };
}

const refund = (orderId: string, amount: number, extra: Partial<Parameters<typeof refundOrder>[0]> = {}) =>
  refundOrder({
    orderId,
    amount,
    reason: "requested_by_customer",
    reverseTransfer: true,
    refundApplicationFee: true,
    balancePolicy: "reverse_anyway",
    requestKey: key(),
    actor: staff,
    ...extra,
  });

/** The messages `to` received whose subject matches. */
async function received(to: string, subject: RegExp) {
  return (await deliveries(to)).filter((message) => subject.test(message.subject ?? ""));
}

/** Waits until `to` received a message whose subject matches, and returns it (up to 20 s). */
async function mail(to: string, subject: RegExp): Promise<Delivery> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [message] = await received(to, subject);
    if (message) return message;
    if (Date.now() > deadline) {
      const got = (await deliveries(to)).map((m) => m.subject);
      throw new Error(`${to} received no email matching ${subject} within 20 s; got ${JSON.stringify(got)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Any second delivery would have gone by now (workers poll every second); `to` has exactly `count` such. */
async function expectOnly(to: string, subject: RegExp, count = 1) {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await received(to, subject)).toHaveLength(count);
}

function expectBothParts(message: Delivery, ...texts: string[]) {
  for (const part of [message.html!, message.text!])
    for (const text of texts) expect(part.replace(/&#x27;/g, "'").replace(/&quot;/g, '"')).toContain(text);
}

describe("the creator's new-sale email", () => {
  it("tells the creator of the sale with their share after the platform fee, once, as an optional email", async () => {
    const { creatorUser, product, buyer, order } = await paidOrder(2_500);
    const message = await mail(creatorUser.email, /^New sale/);
    expect(message.rcptTo).toEqual([creatorUser.email]);
    expect(message.subject).toBe(`New sale: "${product.title}" — ${formatMoney(order.creatorAmount, "usd")} for you`);
    expect(order.applicationFeeAmount).toBeGreaterThan(0);
    expectBothParts(
      message,
      `#${order.number}`,
      product.title,
      "$25.00",
      formatMoney(order.creatorAmount, "usd"),
      formatMoney(order.applicationFeeAmount, "usd"),
    );
    expect(links(message)).toContain(`${env().APP_URL}/creator/dashboard`);
    const row = await db().email.findUniqueOrThrow({ where: { key: `new-sale:${order.id}` } });
    expect(row).toMatchObject({ kind: "new_sale", to: creatorUser.email, userId: creatorUser.id });
    // Optional: it carries the one-click unsubscribe of its topic.
    expect(header(message, "List-Unsubscribe")).toMatch(/\/unsubscribe\//);
    // The buyer gets their receipt, not the creator's notice.
    expect(await received(buyer.email, /^New sale/)).toHaveLength(0);
    await expectOnly(creatorUser.email, /^New sale/);
  });

  it("is not sent to a creator who turned new-sale emails off; the email about a refund taken from their balance still goes", async () => {
    const { creator, user: creatorUser } = await onboardedCreator(stripeEnv.url);
    await updateNotificationSettings({ userId: creatorUser.id, enabled: [], actor: SYSTEM_ACTOR });
    const product = await publishedProduct(creator.id, { amount: 2_000, currency: "usd" });
    const { user: buyer } = await createUser();
    const { url } = await startCheckout({
      buyer,
      productId: product.id,
      appUrl: "http://localhost:3000",
      actor: SYSTEM_ACTOR,
    });
    await controls.payCheckoutSession(stripeEnv.url, /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!);
    await stripeEnv.settle();
    const order = await db().order.findFirstOrThrow({ where: { buyerId: buyer.id } });
    await mail(buyer.email, /^Your receipt/);
    await refund(order.id, 500);
    await stripeEnv.settle();
    const reversal = await mail(creatorUser.email, /taken back from your balance/);
    expect(header(reversal, "List-Unsubscribe")).toBeUndefined();
    expect(await received(creatorUser.email, /^New sale/)).toHaveLength(0);
    expect(await db().email.count({ where: { key: `new-sale:${order.id}` } })).toBe(0);
  });
});

describe("refund emails", () => {
  it("a partial then a full refund: the buyer hears each amount when it succeeds, the creator what left their balance", async () => {
    const { creatorUser, product, buyer, order } = await paidOrder(10_000);
    // Webhooks held: the refund is reserved (PENDING) but Stripe's word has not arrived, so nothing is said yet.
    await controls.setWebhookControls(stripeEnv.url, { reorder: 100 });
    let first;
    try {
      first = await refund(order.id, 2_500);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // One snapshot of both: the email is written in the transaction that settles the refund, so while the refund is
      // PENDING there is none (something else, the scheduled reconciliation say, may settle it meanwhile).
      const [reserved, emails] = await db().$transaction(
        [
          db().refund.findUniqueOrThrow({ where: { id: first.id } }),
          db().email.count({ where: { key: `refund-issued:${first.id}` } }),
        ],
        { isolationLevel: "RepeatableRead" },
      );
      expect(emails).toBe(reserved.status === "PENDING" ? 0 : 1);
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { reorder: 0 });
      await controls.releaseHeldWebhooks(stripeEnv.url);
    }
    await stripeEnv.settle();
    const partial = await mail(buyer.email, /partial refund/i);
    expect(partial.subject).toBe(`A partial refund of $25.00 for order #${order.number}`);
    expectBothParts(partial, "$25.00", "$100.00", `#${order.number}`, "stays in your library");
    expect(links(partial)).toContain(`${env().APP_URL}/library/orders/${order.number}`);

    const split1 = await db().refund.findUniqueOrThrow({ where: { id: first.id } });
    expect(split1.transferReversalAmount).toBe(2_500);
    expect(split1.applicationFeeRefundAmount).toBeGreaterThan(0);
    const net1 = split1.transferReversalAmount - split1.applicationFeeRefundAmount;
    const reversal1 = await mail(creatorUser.email, /taken back from your balance/);
    expect(reversal1.subject).toBe(
      `${formatMoney(net1, "usd")} taken back from your balance for a refund on order #${order.number}`,
    );
    expectBothParts(
      reversal1,
      product.title,
      "$25.00",
      formatMoney(net1, "usd"),
      formatMoney(split1.applicationFeeRefundAmount, "usd"),
    );

    const second = await refund(order.id, 7_500);
    await stripeEnv.settle();
    const full = await mail(buyer.email, /^Your refund of/);
    expect(full.subject).toBe(`Your refund of $75.00 for order #${order.number}`);
    expectBothParts(full, "$75.00", "$100.00", "refunded in full", "no longer in your library");
    const split2 = await db().refund.findUniqueOrThrow({ where: { id: second.id } });
    const net2 = split2.transferReversalAmount - split2.applicationFeeRefundAmount;
    await mail(creatorUser.email, new RegExp(`^\\${formatMoney(net2, "usd")} taken back`));
    // The creator's amounts add up to what left their balance in all.
    const final = await db().order.findUniqueOrThrow({ where: { id: order.id } });
    expect(net1 + net2).toBe(final.transferReversedAmount - final.applicationFeeRefunded);

    await expectOnly(buyer.email, /refund/i, 2);
    expect(await received(creatorUser.email, /taken back/)).toHaveLength(2);
  });

  it("sends one email when every webhook is delivered twice; none to the creator when nothing was reversed", async () => {
    const { creatorUser, buyer, order } = await paidOrder(4_000);
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 1_000 });
    try {
      const made = await refund(order.id, 1_000, { reverseTransfer: false, refundApplicationFee: false });
      await stripeEnv.settle();
      const refundEvents = await db().stripeEvent.findMany({ where: { type: { startsWith: "refund." } } });
      expect(refundEvents.some((event) => event.deliveries >= 2)).toBe(true);
      await mail(buyer.email, /partial refund of \$10\.00/);
      await expectOnly(buyer.email, /refund/i, 1);
      expect(await db().email.count({ where: { key: `refund-issued:${made.id}` } })).toBe(1);
      expect(await db().email.count({ where: { key: `refund-reversal:${made.id}` } })).toBe(0);
      expect(await received(creatorUser.email, /taken back/)).toHaveLength(0);
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0 });
    }
  });

  it("shows yen without decimals", async () => {
    const { buyer, order } = await paidOrder(3_000, "jpy");
    await refund(order.id, 3_000);
    await stripeEnv.settle();
    const message = await mail(buyer.email, /^Your refund of/);
    expect(message.subject).toBe(`Your refund of ¥3,000 for order #${order.number}`);
    expectBothParts(message, "¥3,000");
    for (const part of [message.html!, message.text!]) expect(part).not.toContain("¥30.00");
  });

  it("emails the buyer of a refund made in Stripe's dashboard once it is recorded as succeeded", async () => {
    const { buyer, order } = await paidOrder(5_000);
    // Made outside the app (the dashboard), recorded from its webhook as a succeeded refund.
    await stripeEnv.stripe.refunds.create({ charge: order.stripeChargeId!, amount: 1_500 });
    await stripeEnv.settle();
    const recorded = await db().refund.findFirstOrThrow({ where: { orderId: order.id } });
    expect(recorded.status).toBe("SUCCEEDED");
    const message = await mail(buyer.email, /partial refund/);
    expect(message.subject).toBe(`A partial refund of $15.00 for order #${order.number}`);
    await expectOnly(buyer.email, /refund/i, 1);
  });
});

describe("refund request emails", () => {
  it("approved: the buyer hears of the approval, then of the refund once it succeeds", async () => {
    const { buyer, order } = await paidOrder(3_300);
    const request = await requestRefund({
      buyerId: buyer.id,
      orderNumber: order.number,
      reason: "It was not what I expected",
      actor: { type: "USER", id: buyer.id },
    });
    await approveRefundRequest({ requestId: request.id, actor: staff });
    await stripeEnv.settle();
    const approved = await mail(buyer.email, /was approved$/);
    expect(approved.subject).toBe(`Your refund request for order #${order.number} was approved`);
    expectBothParts(approved, "$33.00", `#${order.number}`);
    const issued = await mail(buyer.email, /^Your refund of/);
    expect(issued.subject).toBe(`Your refund of $33.00 for order #${order.number}`);
    // A second approval is refused and sends nothing more.
    await expect(approveRefundRequest({ requestId: request.id, actor: staff })).rejects.toMatchObject({
      code: "already_handled",
    });
    await expectOnly(buyer.email, /was approved$/);
  });

  it("declined from the staff page: the buyer gets staff's message, once; a second decision is a 4xx", async () => {
    const { buyer, order } = await paidOrder(1_800);
    const request = await requestRefund({
      buyerId: buyer.id,
      orderNumber: order.number,
      reason: "Changed my mind",
      actor: { type: "USER", id: buyer.id },
    });
    const staffMessage = "You downloaded the files 14 times, so we can't refund this order.\nSorry!";
    const decide = (fields: Record<string, string>) =>
      callRoute(refundRequestsAction, formRequest("/staff/refund-requests", fields, { cookie: staffCookie }));
    const empty = await decide({ intent: "decline", requestId: request.id, message: " " });
    expect(empty.status).toBe(400);
    const done = await decide({ intent: "decline", requestId: request.id, message: staffMessage });
    expect(done.status).toBe(303);
    const again = await decide({ intent: "decline", requestId: request.id, message: "again" });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    const declined = await mail(buyer.email, /was declined$/);
    expect(declined.subject).toBe(`Your refund request for order #${order.number} was declined`);
    expectBothParts(declined, "You downloaded the files 14 times", "$18.00", `#${order.number}`);
    expect(declined.text).toContain("> Sorry!");
    await expectOnly(buyer.email, /was declined$/);
    expect(await received(buyer.email, /^Your refund of/)).toHaveLength(0);
  });
});

describe("dispute emails", () => {
  it("opened and won: the buyer's access paused then back, the creator's sale disputed with the deadline, then won", async () => {
    const { creatorUser, buyer, order } = await paidOrder(2_000);
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 1_000 });
    try {
      await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
      await stripeEnv.settle();
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0 });
    }
    const dispute = await db().dispute.findFirstOrThrow({ where: { orderId: order.id } });
    expect(dispute.evidenceDueBy).not.toBeNull();
    const deadline = formatDeadline(dispute.evidenceDueBy!);

    const paused = await mail(buyer.email, /paused during a dispute/);
    expect(paused.subject).toBe(`Your order #${order.number} is paused during a dispute`);
    expectBothParts(paused, "$20.00", "can't be downloaded");
    const opened = await mail(creatorUser.email, /disputed order/);
    expect(opened.subject).toBe(`A buyer disputed order #${order.number} — evidence due by ${deadline}`);
    expectBothParts(opened, "$20.00", deadline, "fraudulent");

    await controls.closeDispute(stripeEnv.url, dispute.stripeDisputeId, "won");
    await stripeEnv.settle();
    const won = await mail(creatorUser.email, /^You won the dispute/);
    expect(won.subject).toBe(`You won the dispute on order #${order.number}`);
    expectBothParts(won, "$20.00", "access to the purchase is restored");
    const back = await mail(buyer.email, /back in your library/);
    expect(back.subject).toBe(`Your order #${order.number} is back in your library`);
    expect(links(back)).toContain(`${env().APP_URL}/library`);

    await expectOnly(buyer.email, /paused during a dispute/);
    expect(await received(creatorUser.email, /disputed order/)).toHaveLength(1);
    expect(await received(buyer.email, /back in your library/)).toHaveLength(1);
    // No STAFF_ALERTS_TO in this file: no staff email is written at all.
    expect(await db().email.count({ where: { kind: "staff_alert" } })).toBe(0);
  });

  it("lost: the creator hears the outcome; the buyer gets no 'access restored'", async () => {
    const { creatorUser, buyer, order } = await paidOrder(2_000);
    await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
    await stripeEnv.settle();
    const dispute = await db().dispute.findFirstOrThrow({ where: { orderId: order.id } });
    await controls.closeDispute(stripeEnv.url, dispute.stripeDisputeId, "lost");
    await stripeEnv.settle();
    const lost = await mail(creatorUser.email, /was lost$/);
    expect(lost.subject).toBe(`The dispute on order #${order.number} was lost`);
    expectBothParts(lost, "$20.00", "went back to them");
    await mail(buyer.email, /paused during a dispute/);
    await expectOnly(creatorUser.email, /was lost$/);
    expect(await received(buyer.email, /back in your library/)).toHaveLength(0);
    expect(await received(creatorUser.email, /won the dispute/)).toHaveLength(0);
  });
});

describe("a duplicate payment", () => {
  it("is refunded with 'we refunded your second payment' and no second receipt or new-sale email", async () => {
    const { creator, user: creatorUser } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id, { amount: 2_600, currency: "usd" });
    const { user: buyer } = await createUser();
    const start = () =>
      startCheckout({ buyer, productId: product.id, appUrl: "http://localhost:3000", actor: SYSTEM_ACTOR });
    const first = await start();
    // Our record lost track of the first session (it is still payable on Stripe): the buyer opens a second one.
    await db().checkoutAttempt.updateMany({ where: { buyerId: buyer.id }, data: { status: "EXPIRED" } });
    const second = await start();
    expect(second.url).not.toBe(first.url);
    for (const { url } of [first, second])
      await controls.payCheckoutSession(stripeEnv.url, /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!);
    await stripeEnv.settle();
    const orders = await db().order.findMany({ where: { buyerId: buyer.id }, orderBy: { number: "asc" } });
    expect(orders).toHaveLength(2);
    const duplicate = orders.find((o) => o.status === "REFUNDED")!;
    expect(duplicate).toBeDefined();

    const message = await mail(buyer.email, /second payment/);
    expect(message.subject).toBe(`We refunded your second payment for "${product.title}"`);
    expectBothParts(message, "$26.00", `#${duplicate.number}`, "already owned");
    await expectOnly(buyer.email, /second payment/);
    expect(await received(buyer.email, /^Your receipt/)).toHaveLength(1);
    expect(await received(buyer.email, /^Your refund of|partial refund/)).toHaveLength(0);
    expect(await received(creatorUser.email, /^New sale/)).toHaveLength(1);
  });
});
