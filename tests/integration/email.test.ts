// Email through the real stack: a purchase on the Stripe emulator fulfils the order, whose transaction writes the
// receipt to the outbox; the queue's worker sends it with nodemailer over SMTP to this file's local mail server
// (tests/helpers/mail.ts), and the tests read what that server received. Also: duplicated webhooks and the success
// page send one receipt, a mail server that is down delays mail and loses none, a message that failed every retry
// is retried by staff, and the success page promises a receipt only when one is queued.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// This file's retries: 2 after the first attempt (1 s, then 2 s), so a message fails for good within seconds.
process.env.MAIL_RETRY_LIMIT = "2";
process.env.MAIL_RETRY_DELAY_SECONDS = "1";

const { actorFromRequest } = await import("#app/domain/audit.server.ts");
const { confirmCheckout } = await import("#app/domain/checkout.server.ts");
const { messageIdFor } = await import("#app/domain/email/outbox.server.ts");
const { loader: successLoader } = await import("#app/routes/_shop+/checkout_.success.tsx");
const { action: emailsAction, loader: emailsLoader } = await import("#app/routes/staff+/emails.tsx");
const { db } = await import("#app/utils/db.server.ts");
const { env } = await import("#app/utils/env.server.ts");
const { buyThroughCheckout, onboardedCreator, publishedProduct } = await import("#tests/helpers/marketplace.ts");
const { deliveries, header, links, startMailServer, stopMailServer, waitForDeliveries } =
  await import("#tests/helpers/mail.ts");
const { callRoute, createUser, formRequest, getRequest, sessionCookie } = await import("#tests/helpers/requests.ts");
const { controls, startTestStripe } = await import("#tests/helpers/stripe.ts");

type TestStripe = Awaited<ReturnType<typeof startTestStripe>>;
let stripeEnv: TestStripe;
let creatorId: string;
let creatorName: string;

beforeAll(async () => {
  stripeEnv = await startTestStripe();
  const { creator } = await onboardedCreator(stripeEnv.url);
  creatorId = creator.id;
  creatorName = creator.displayName;
});
afterAll(async () => {
  await startMailServer();
  await stripeEnv?.stop();
});

async function purchase(price: { amount: number; currency: string }) {
  const { user } = await createUser();
  const product = await publishedProduct(creatorId, price);
  await buyThroughCheckout(stripeEnv, user, product.id);
  const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id }, include: { items: true } });
  return { user, product, order };
}

async function emailRow(orderId: string) {
  return db().email.findUniqueOrThrow({ where: { key: `receipt:${orderId}` } });
}

/** Polls the outbox row of the order's receipt until `done` holds (up to 20 s). */
async function waitForEmail(orderId: string, done: (row: Awaited<ReturnType<typeof emailRow>>) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await db().email.findUnique({ where: { key: `receipt:${orderId}` } });
    if (row && done(row)) return row;
    if (Date.now() > deadline) throw new Error(`The receipt of ${orderId} did not get there: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the buyer's receipt", () => {
  it("arrives over SMTP once, with the order number, the item, the amount in dollars and the library link", async () => {
    const { user, product, order } = await purchase({ amount: 2000, currency: "usd" });
    const [message, ...more] = await waitForDeliveries(user.email);
    expect(more).toHaveLength(0);
    expect(message!.subject).toBe(`Your receipt for order #${order.number}`);
    expect(message!.rcptTo).toEqual([user.email]);
    expect(message!.mailFrom).toBe("no-reply@localhost");
    expect(message!.from).toBe('"Makers Market" <no-reply@localhost>');
    expect(message!.messageId).toBe(messageIdFor(`receipt:${order.id}`));
    expect(header(message!, "Message-ID")).toBe(messageIdFor(`receipt:${order.id}`));
    expect(message!.text).toContain(creatorName);
    expect(message!.html).toContain(creatorName.replace(/'/g, "&#x27;"));
    for (const part of [message!.html!, message!.text!]) {
      expect(part).toContain(`#${order.number}`);
      expect(part).toContain(product.title);
      expect(part).toContain("$20.00");
      expect(part).toContain("USD");
    }
    expect(links(message!)).toContain(`${env().APP_URL}/library`);
    expect(links(message!)).toContain(`${env().APP_URL}/library/orders/${order.number}`);
    expect(message!.text).toContain(`${env().APP_URL}/library`);

    const row = await waitForEmail(order.id, (email) => email.status === "SENT");
    expect(row).toMatchObject({ kind: "receipt", to: user.email, attempts: 1, lastError: null, orderId: order.id });
    expect(row.sentAt).not.toBeNull();
  });

  it("shows yen without decimals for a JPY order", async () => {
    const { user, order } = await purchase({ amount: 1500, currency: "jpy" });
    const [message] = await waitForDeliveries(user.email);
    expect(order.totalAmount).toBe(1500);
    for (const part of [message!.html!, message!.text!]) {
      expect(part).toContain("¥1,500");
      expect(part).not.toContain("¥15.00");
      expect(part).toContain("JPY");
    }
  });

  it("is sent once when every webhook is delivered twice, resent, and the success page fulfils too", async () => {
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 1_000 });
    try {
      const { user, order } = await purchase({ amount: 900, currency: "usd" });
      const event = await db().stripeEvent.findFirstOrThrow({
        where: { type: "checkout.session.completed", processedAt: { not: null } },
        orderBy: { receivedAt: "desc" },
      });
      expect(event.deliveries).toBeGreaterThanOrEqual(2);
      await controls.resendEvent(stripeEnv.url, event.id);
      await stripeEnv.settle();
      // The success page runs fulfillment again through the same function.
      const confirmation = await confirmCheckout({
        buyerId: user.id,
        sessionId: order.stripeCheckoutSessionId!,
        actor: actorFromRequest(new Request("http://localhost/"), user.id),
      });
      expect(confirmation.state).toBe("paid");
      await waitForEmail(order.id, (email) => email.status === "SENT");
      // Any second job would have run by now (workers poll every second).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await deliveries(user.email)).toHaveLength(1);
      expect(await db().email.count({ where: { orderId: order.id, kind: "receipt" } })).toBe(1);
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0 });
    }
  });
});

describe("a mail server that is down", () => {
  it("delays the receipt and loses nothing: once the server is back, it is delivered once", async () => {
    await stopMailServer();
    let order: { id: string } | undefined;
    let user: { email: string } | undefined;
    try {
      ({ order, user } = await purchase({ amount: 1200, currency: "usd" }));
      const failing = await waitForEmail(order.id, (email) => email.attempts >= 1);
      expect(failing.status).toBe("QUEUED");
      expect(failing.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(await deliveries(user.email)).toHaveLength(0);
    } finally {
      await startMailServer();
    }
    const sent = await waitForEmail(order.id, (email) => email.status === "SENT");
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
    expect(await waitForDeliveries(user.email)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await deliveries(user.email)).toHaveLength(1);
  });

  it("fails a message after every retry, alerts staff, and a staff retry delivers it once", async () => {
    const { user: staff } = await createUser({ role: "STAFF" });
    const staffCookie = await sessionCookie(staff.id);
    await stopMailServer();
    let order: { id: string; number: number } | undefined;
    let buyer: { email: string } | undefined;
    try {
      ({ order, user: buyer } = await purchase({ amount: 3100, currency: "usd" }));
      const failed = await waitForEmail(order.id, (email) => email.status === "FAILED");
      expect(failed.attempts).toBe(3); // the first attempt and 2 retries
      expect(failed.failedAt).not.toBeNull();
      const alert = await db().staffAlert.findUniqueOrThrow({ where: { dedupeKey: `email-failed:${failed.id}` } });
      expect(alert.kind).toBe("email_failed");
      expect(alert.message).toContain(buyer.email);

      // Staff see it under Failed.
      const listed = await callRoute(emailsLoader, getRequest("/staff/emails", { cookie: staffCookie }));
      const body = (await listed.json()) as { emails: { id: string; status: string }[]; counts: { failed: number } };
      expect(body.emails.map((email) => email.id)).toContain(failed.id);
      expect(body.counts.failed).toBeGreaterThanOrEqual(1);
    } finally {
      await startMailServer();
    }
    const failed = await emailRow(order.id);
    // Nothing goes out by itself any more.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await deliveries(buyer.email)).toHaveLength(0);

    const retried = await callRoute(
      emailsAction,
      formRequest("/staff/emails", { intent: "retry", emailId: failed.id }, { cookie: staffCookie }),
    );
    expect(retried.status).toBe(303);
    expect(retried.headers.get("location")).toBe("/staff/emails?done=queued");
    const sent = await waitForEmail(order.id, (email) => email.status === "SENT");
    expect(sent.failedAt).toBeNull();
    expect(await waitForDeliveries(buyer.email)).toHaveLength(1);
    const audit = await db().auditLog.findMany({ where: { action: "email.retried", entityId: failed.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(staff.id);

    // A second retry of a delivered message is refused and changes nothing.
    const again = await callRoute(
      emailsAction,
      formRequest("/staff/emails", { intent: "retry", emailId: failed.id }, { cookie: staffCookie }),
    );
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/already delivered/);
    expect((await emailRow(order.id)).status).toBe("SENT");
    expect(await db().auditLog.count({ where: { action: "email.retried", entityId: failed.id } })).toBe(1);
  });

  it("refuses bad retries with a 4xx and lets only staff in", async () => {
    const { user: staff } = await createUser({ role: "STAFF" });
    const staffCookie = await sessionCookie(staff.id);
    const { user: buyer } = await createUser();
    const unknown = await callRoute(
      emailsAction,
      formRequest("/staff/emails", { intent: "retry", emailId: "nope" }, { cookie: staffCookie }),
    );
    expect(unknown.status).toBe(404);
    const malformed = await callRoute(
      emailsAction,
      formRequest("/staff/emails", { intent: "resend", emailId: "x".repeat(500) }, { cookie: staffCookie }),
    );
    expect(malformed.status).toBe(400);
    const badFilter = await callRoute(
      emailsLoader,
      getRequest("/staff/emails?show=everything", { cookie: staffCookie }),
    );
    expect(badFilter.status).toBe(400);
    const asBuyer = await callRoute(
      emailsLoader,
      getRequest("/staff/emails", { cookie: await sessionCookie(buyer.id) }),
    );
    expect(asBuyer.status).toBe(403);
  });
});

describe("the success page", () => {
  it("says a receipt was sent only when one is in the outbox", async () => {
    const { user, order } = await purchase({ amount: 1000, currency: "usd" });
    await waitForEmail(order.id, (email) => email.status === "SENT");
    const cookie = await sessionCookie(user.id);
    const page = async () => {
      const response = await callRoute(
        successLoader,
        getRequest(`/checkout/success?session_id=${order.stripeCheckoutSessionId}`, { cookie }),
      );
      return ((await response.json()) as { order: { receipt: { to: string; sent: boolean } | null } }).order;
    };
    expect((await page()).receipt).toEqual({ to: user.email, sent: true });
    // Without a receipt in the outbox (mail disabled when it was paid, say), the page promises none.
    await db().email.deleteMany({ where: { orderId: order.id } });
    expect((await page()).receipt).toBeNull();
  });
});
