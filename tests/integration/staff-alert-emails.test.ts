// Staff alert emails through the real stack: with STAFF_ALERTS_TO set, a dispute opened, a refund that failed, a
// webhook event dead-lettered after its retries and an email that could not be delivered each email staff once, over
// SMTP to this file's local mail server. An alert email that itself fails raises no email about itself (no loop).
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const OPS = "ops@market.test";
const ONCALL = "oncall@market.test";
process.env.STAFF_ALERTS_TO = `${OPS}, ${ONCALL}`;
// This file's mail retries: 2 after the first attempt (1 s, then 2 s), so a message fails for good within seconds.
process.env.MAIL_RETRY_LIMIT = "2";
process.env.MAIL_RETRY_DELAY_SECONDS = "1";

const { SYSTEM_ACTOR } = await import("#app/domain/audit.server.ts");
const { startCheckout } = await import("#app/domain/checkout.server.ts");
const { formatDeadline } = await import("#app/domain/email/money-messages.server.ts");
const { refundOrder } = await import("#app/domain/refunds.server.ts");
const { db } = await import("#app/utils/db.server.ts");
const { env } = await import("#app/utils/env.server.ts");
const { deliveries, links, startMailServer, stopMailServer } = await import("#tests/helpers/mail.ts");
const { onboardedCreator } = await import("#tests/helpers/marketplace.ts");
const { publishedProduct } = await import("#tests/helpers/marketplace.ts");
const { createUser } = await import("#tests/helpers/requests.ts");
const { controls, eventsSettled, startTestStripe } = await import("#tests/helpers/stripe.ts");

type Delivery = Awaited<ReturnType<typeof deliveries>>[number];
let stripeEnv: Awaited<ReturnType<typeof startTestStripe>>;
let creatorId: string;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
  creatorId = (await onboardedCreator(stripeEnv.url)).creator.id;
});
afterAll(async () => {
  await startMailServer();
  await stripeEnv?.stop();
});

async function checkout(amount = 2_000) {
  const product = await publishedProduct(creatorId, { amount, currency: "usd" });
  const { user: buyer } = await createUser();
  const { url } = await startCheckout({
    buyer,
    productId: product.id,
    appUrl: "http://localhost:3000",
    actor: SYSTEM_ACTOR,
  });
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;
  await controls.payCheckoutSession(stripeEnv.url, sessionId);
  return { product, buyer, sessionId };
}

async function paidOrder(amount = 2_000) {
  const { buyer } = await checkout(amount);
  await stripeEnv.settle();
  const order = await db().order.findFirstOrThrow({ where: { buyerId: buyer.id } });
  return { buyer, order };
}

/** The staff alert emails received whose subject matches. */
async function staffMail(subject: RegExp) {
  return (await deliveries(OPS)).filter((message) => subject.test(message.subject ?? ""));
}

async function waitFor<T>(what: string, read: () => Promise<T | undefined | null | false>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const staffEmail = (subject: RegExp) =>
  waitFor(`A staff email matching ${subject}`, async () => (await staffMail(subject))[0]);

/** Any second delivery would have gone by now (workers poll every second). */
const pause = () => new Promise((resolve) => setTimeout(resolve, 1500));

function expectBothParts(message: Delivery, ...texts: string[]) {
  for (const part of [message.html!, message.text!])
    for (const text of texts) expect(part.replace(/&#x27;/g, "'").replace(/&quot;/g, '"')).toContain(text);
}

describe("staff alert emails", () => {
  it("a dispute opened: one email to every STAFF_ALERTS_TO address, with the amount and the deadline", async () => {
    const { order } = await paidOrder(2_000);
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 1_000 });
    try {
      await controls.openDispute(stripeEnv.url, order.stripeChargeId!);
      await stripeEnv.settle();
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0 });
    }
    const dispute = await db().dispute.findFirstOrThrow({ where: { orderId: order.id } });
    const message = await staffEmail(/Dispute opened/);
    expect(message.subject).toMatch(/^\[Staff alert\] Dispute opened: A \$20\.00 dispute \(fraudulent\)/);
    expect([...message.rcptTo].sort()).toEqual([ONCALL, OPS]);
    expectBothParts(message, `#${order.number}`, "$20.00", formatDeadline(dispute.evidenceDueBy!));
    expect(links(message)).toContain(`${env().APP_URL}/staff/orders/${order.id}`);
    // Closing it is no alert.
    await controls.closeDispute(stripeEnv.url, dispute.stripeDisputeId, "won");
    await stripeEnv.settle();
    await pause();
    expect(await staffMail(/Dispute opened/)).toHaveLength(1);
    expect(await db().email.count({ where: { kind: "staff_alert", orderId: order.id } })).toBe(1);
  });

  it("a refund that failed after it succeeded: one email, also when Stripe's failure is delivered again", async () => {
    const { order } = await paidOrder(4_000);
    const made = await refundOrder({
      orderId: order.id,
      amount: 1_500,
      reason: "requested_by_customer",
      reverseTransfer: true,
      refundApplicationFee: true,
      balancePolicy: "reverse_anyway",
      requestKey: `staff-alert-refund-${order.id}`,
      actor: SYSTEM_ACTOR,
    });
    await stripeEnv.settle();
    expect((await db().refund.findUniqueOrThrow({ where: { id: made.id } })).status).toBe("SUCCEEDED");
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 1_000 });
    try {
      await controls.failRefund(stripeEnv.url, made.stripeRefundId!, "expired_or_canceled_card");
      await stripeEnv.settle();
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0 });
    }
    expect((await db().refund.findUniqueOrThrow({ where: { id: made.id } })).status).toBe("FAILED");
    const message = await staffEmail(/Refund failed/);
    expect(message.subject).toMatch(/^\[Staff alert\] Refund failed: /);
    expectBothParts(message, "$15.00", `#${order.number}`, "expired or canceled card");
    expect(links(message)).toContain(`${env().APP_URL}/staff/orders/${order.id}`);
    await pause();
    expect(await staffMail(/Refund failed/)).toHaveLength(1);
  });

  it("a webhook event dead-lettered after its retries: one email naming the event", async () => {
    // Every read of the payment fails through all 1 + 3 attempts, so checkout.session.completed is dead-lettered.
    await controls.injectFault(stripeEnv.url, {
      path: "/v1/payment_intents/",
      method: "GET",
      count: 1000,
      status: 500,
    });
    let sessionId: string;
    try {
      ({ sessionId } = await checkout(1_000));
      await controls.waitForWebhooks(stripeEnv.url, 15_000);
      await eventsSettled(60_000);
    } finally {
      await controls.clearFaults(stripeEnv.url);
    }
    const event = await db().stripeEvent.findFirstOrThrow({
      where: { type: "checkout.session.completed", payload: { path: ["data", "object", "id"], equals: sessionId } },
    });
    expect(event.deadAt).not.toBeNull();
    const message = await staffEmail(/Webhook processing failing/);
    expect(message.subject).toContain("checkout.session.completed");
    expectBothParts(message, event.id, "failed 4 times");
    expect(links(message)).toContain(`${env().APP_URL}/staff/events`);
    await pause();
    expect(await staffMail(/Webhook processing failing/)).toHaveLength(1);
  }, 90_000);

  it("mail delivery failing: staff get one email per failed message once the server is back", async () => {
    await stopMailServer();
    let buyer: { email: string } | undefined;
    let receiptId: string;
    try {
      const { buyer: b } = await checkout(1_200);
      buyer = b;
      await stripeEnv.settle();
      const order = await db().order.findFirstOrThrow({ where: { buyerId: b.id } });
      const receipt = await waitFor("The receipt failing for good", () =>
        db().email.findFirst({ where: { key: `receipt:${order.id}`, status: "FAILED" } }),
      );
      receiptId = receipt.id;
    } finally {
      // Back before the alert's own retries run out.
      await startMailServer();
    }
    const message = await staffEmail(new RegExp(`Mail delivery failing: A receipt email to ${buyer.email}`));
    expectBothParts(message, buyer.email, "could not be delivered");
    expect(links(message)).toContain(`${env().APP_URL}/staff/emails`);
    // The SMTP server has it; the worker records SENT once the server has answered (a moment later).
    await waitFor("The staff alert email recorded as SENT", () =>
      db().email.findFirst({ where: { key: `staff-alert:email-failed:${receiptId}`, status: "SENT" } }),
    );
    await pause();
    expect(await staffMail(new RegExp(`A receipt email to ${buyer.email}`))).toHaveLength(1);
  });

  it("an alert email that fails too is alerted on the console, and emails nobody about itself", async () => {
    await stopMailServer();
    let order: { id: string } | undefined;
    try {
      const { buyer } = await checkout(1_300);
      await stripeEnv.settle();
      order = await db().order.findFirstOrThrow({ where: { buyerId: buyer.id } });
      const receipt = await waitFor("The receipt failing for good", () =>
        db().email.findFirst({ where: { key: `receipt:${order!.id}`, status: "FAILED" } }),
      );
      // Its staff email fails every retry as well (the server is still down).
      const alertEmail = await waitFor("The staff email failing for good", () =>
        db().email.findFirst({ where: { key: `staff-alert:email-failed:${receipt.id}`, status: "FAILED" } }),
      );
      expect(alertEmail.kind).toBe("staff_alert");
      const alert = await waitFor("Its alert", () =>
        db().staffAlert.findUnique({ where: { dedupeKey: `email-failed:${alertEmail.id}` } }),
      );
      expect(alert.kind).toBe("email_failed");
      await pause();
      expect(await db().email.count({ where: { key: `staff-alert:email-failed:${alertEmail.id}` } })).toBe(0);
      // Every staff email written is about a message that is not itself a staff email.
      const staffEmails = await db().email.findMany({
        where: { kind: "staff_alert", key: { startsWith: "staff-alert:email-failed:" } },
      });
      for (const email of staffEmails) {
        const failedId = email.key.slice("staff-alert:email-failed:".length);
        expect((await db().email.findUniqueOrThrow({ where: { id: failedId } })).kind).not.toBe("staff_alert");
      }
    } finally {
      await startMailServer();
    }
    // Nothing is sent by itself afterwards: the FAILED ones wait for a staff retry.
    const before = (await deliveries(OPS)).length;
    await pause();
    expect(await deliveries(OPS)).toHaveLength(before);
  });
});
