// Membership emails through the real stack: Checkout and test clocks on the Stripe emulator, its signed webhooks into
// the real route (duplicated where a test says so), the workers processing them, and the outbox's emails delivered over
// SMTP to this file's local mail server, read back as they arrived. Each message: its trigger, its recipient, its
// amounts and dates, once.
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const { SYSTEM_ACTOR } = await import("#app/domain/audit.server.ts");
const { startCheckout } = await import("#app/domain/checkout.server.ts");
const { db } = await import("#app/utils/db.server.ts");
const { env } = await import("#app/utils/env.server.ts");
const { buyerOnTestClock, onboardedCreator, publishedMembership } = await import("#tests/helpers/marketplace.ts");
const { deliveries, header, links } = await import("#tests/helpers/mail.ts");
const { controls, startTestStripe } = await import("#tests/helpers/stripe.ts");
const { callRoute, formRequest, getRequest, sessionCookie } = await import("#tests/helpers/requests.ts");
const library = await import("#app/routes/_library+/library.tsx");
const receiptPage = await import("#app/routes/_library+/library_.orders.$number.tsx");

type TestStripe = Awaited<ReturnType<typeof startTestStripe>>;
let stripeEnv: TestStripe;
let stripe: Stripe;

beforeAll(async () => {
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
});
afterAll(async () => {
  await stripeEnv?.stop();
});

const DAY = 86_400;
const START = 1_780_000_000; // 2026-05-28T20:26:40Z on the buyer's test clock

type Buyer = Awaited<ReturnType<typeof buyerOnTestClock>>;

async function subscribe(buyer: Buyer, productId: string, card = "4242424242424242") {
  const checkout = await startCheckout({
    buyer: buyer.user,
    productId,
    appUrl: "http://localhost:3000",
    actor: SYSTEM_ACTOR,
  });
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(checkout.url)![1]!;
  const paid = await controls.payCheckoutSession(stripeEnv.url, sessionId, { card });
  expect(paid.status).toBe("succeeded");
  const subscriptionId = (await stripe.checkout.sessions.retrieve(sessionId)).subscription as string;
  await stripeEnv.settle();
  return subscriptionId;
}

async function advance(buyer: Buyer, to: number) {
  await stripe.testHelpers.testClocks.advance(buyer.clock.id, { frozen_time: to });
  await stripeEnv.settle();
}

/** What `to` received whose subject matches, oldest first. */
async function mail(to: string, subject: RegExp) {
  return (await deliveries(to)).filter((m) => subject.test(m.subject ?? ""));
}

/** Waits until `to` has `count` emails whose subject matches (up to 15 s), and returns them. */
async function waitForMail(to: string, subject: RegExp, count = 1) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const received = await mail(to, subject);
    if (received.length >= count) return received;
    if (Date.now() > deadline) {
      const all = (await deliveries(to)).map((m) => m.subject);
      throw new Error(`${to} received ${received.length} of ${count} emails ${subject}; all: ${JSON.stringify(all)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Gives any second copy time to be written and sent (workers poll every second). */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 1500));

const parts = (m: { html: string | null; text: string | null }) => [m.html!, m.text!];

const WELCOME = /^Welcome to /;
const RECEIPT = /^Your receipt for /;
const TRIAL_ENDING = /^Your free trial of .* ends on /;
const FAILED = /didn't go through$/;
const CONFIRM = /^Confirm your payment for /;
const CANCELED = / is canceled$/;
const ENDED = / has ended$/;
const NEW_MEMBER = /^New member: /;

describe("a membership with a trial, every webhook delivered twice", () => {
  it("welcome and new member, trial ending, a receipt per paid invoice with its period, canceled, ended — each once", async () => {
    const { user: creatorUser, creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 1_500, trialDays: 7 });
    const buyer = await buyerOnTestClock(stripe, START);
    const to = buyer.user.email;
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 100_000 });
    try {
      const sub = await subscribe(buyer, product.id);

      const [welcome] = await waitForMail(to, WELCOME);
      expect(welcome!.subject).toBe(`Welcome to ${product.title}`);
      expect(welcome!.rcptTo).toEqual([to]);
      for (const part of parts(welcome!)) {
        expect(part).toContain("free trial");
        expect(part).toContain("June 4, 2026"); // 7 days after May 28 on the test clock
        expect(part).toContain("$15.00 per month");
        expect(part).toContain(creator.displayName.replace(/'/g, part === welcome!.html ? "&#x27;" : "'"));
      }
      expect(links(welcome!)).toContain(`${env().APP_URL}/library`);

      const [member] = await waitForMail(creatorUser.email, NEW_MEMBER);
      expect(member!.subject).toBe(`New member: ${buyer.user.name} joined ${product.title}`);
      expect(member!.rcptTo).toEqual([creatorUser.email]);
      for (const part of parts(member!)) {
        expect(part).toContain("$15.00 per month");
        expect(part).toContain("$12.75"); // the creator's share: 15.00 less the 15% platform fee
        expect(part).toContain("free trial");
      }
      const memberRow = await db().email.findFirstOrThrow({
        where: { kind: "creator_new_member", to: creatorUser.email },
      });
      expect(memberRow.userId).toBe(creatorUser.id);
      // Non-essential: it carries the one-click unsubscribe; the buyer's welcome (billing) does not.
      expect(header(member!, "List-Unsubscribe")).toMatch(/\/unsubscribe\//);
      expect(header(welcome!, "List-Unsubscribe")).toBeUndefined();
      expect(await mail(to, RECEIPT)).toHaveLength(0); // the trial's $0 invoice is no receipt

      await advance(buyer, START + 5 * DAY); // Stripe: the trial ends in 3 days
      const [ending] = await waitForMail(to, TRIAL_ENDING);
      expect(ending!.subject).toBe(`Your free trial of ${product.title} ends on June 4, 2026`);
      for (const part of parts(ending!)) expect(part).toContain("$15.00 per month");

      await advance(buyer, START + 8 * DAY); // the first charge
      const [first] = await waitForMail(to, RECEIPT);
      const orders = await db().order.findMany({ where: { buyerId: buyer.user.id }, orderBy: { number: "asc" } });
      expect(orders).toHaveLength(1);
      expect(first!.subject).toBe(`Your receipt for ${product.title} · order #${orders[0]!.number}`);
      for (const part of parts(first!)) {
        expect(part).toContain("$15.00");
        expect(part).toContain("USD");
        expect(part).toContain("June 4, 2026 – July 4, 2026");
      }
      expect(links(first!)).toContain(`${env().APP_URL}/library/orders/${orders[0]!.number}`);
      // The link opens that order's receipt for the buyer.
      const opened = await callRoute(
        receiptPage.loader,
        getRequest(`/library/orders/${orders[0]!.number}`, { cookie: await sessionCookie(buyer.user.id) }),
        { number: String(orders[0]!.number) },
      );
      expect(opened.status).toBe(200);
      expect(((await opened.json()) as { order: { totalAmount: number } }).order.totalAmount).toBe(1_500);

      await advance(buyer, START + 8 * DAY + 31 * DAY); // a renewal
      const receipts = await waitForMail(to, RECEIPT, 2);
      for (const part of parts(receipts[1]!)) {
        expect(part).toContain("$15.00");
        expect(part).toContain("July 4, 2026 – August 4, 2026");
      }

      await stripe.subscriptions.update(sub, { cancel_at_period_end: true });
      await stripeEnv.settle();
      const [canceled] = await waitForMail(to, CANCELED);
      expect(canceled!.subject).toBe(`Your membership of ${product.title} is canceled`);
      for (const part of parts(canceled!)) expect(part).toContain("You keep access until August 4, 2026");
      expect(await mail(to, ENDED)).toHaveLength(0);

      await advance(buyer, START + 8 * DAY + 62 * DAY); // the period ends
      const [ended] = await waitForMail(to, ENDED);
      expect(ended!.subject).toBe(`Your membership of ${product.title} has ended`);
      for (const part of parts(ended!)) expect(part).toContain("Thank you for being a member");

      const deliveriesSeen = await db().stripeEvent.aggregate({ _max: { deliveries: true } });
      expect(deliveriesSeen._max.deliveries).toBeGreaterThanOrEqual(2);
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0 });
    }
    await quiet();
    const subjects = (await deliveries(to)).map((m) => m.subject);
    for (const pattern of [WELCOME, TRIAL_ENDING, CANCELED, ENDED])
      expect(
        subjects.filter((s) => pattern.test(s ?? "")),
        String(pattern),
      ).toHaveLength(1);
    expect(subjects.filter((s) => RECEIPT.test(s ?? ""))).toHaveLength(2);
    expect(subjects.filter((s) => FAILED.test(s ?? "") || CONFIRM.test(s ?? ""))).toHaveLength(0);
    expect(await mail(creatorUser.email, NEW_MEMBER)).toHaveLength(1);
  });
});

describe("payment problems", () => {
  it("a declined card at the trial's end: one 'payment failed' with the way to update the card, then 'ended' when Stripe gives up", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 1_500, trialDays: 7 });
    const buyer = await buyerOnTestClock(stripe, START);
    const to = buyer.user.email;
    await subscribe(buyer, product.id, "4000000000000341");
    await waitForMail(to, WELCOME);

    await advance(buyer, START + 8 * DAY); // the first charge is declined
    const [failed] = await waitForMail(to, FAILED);
    expect(failed!.subject).toBe(`Your payment for ${product.title} didn't go through`);
    expect(failed!.rcptTo).toEqual([to]);
    for (const part of parts(failed!)) {
      expect(part).toContain("$15.00");
      expect(part).toContain("USD");
      expect(part).toContain("Access until");
      expect(part).toContain(`${env().APP_URL}/library#memberships-heading`);
    }
    expect(links(failed!)).toContain(`${env().APP_URL}/library#memberships-heading`);
    expect(await mail(to, RECEIPT)).toHaveLength(0);
    // The link's page shows the failed payment with the button that opens Stripe's billing portal to change the card.
    const cookie = await sessionCookie(buyer.user.id);
    const page = await callRoute(library.loader, getRequest("/library", { cookie }));
    const shown = (await page.json()) as { memberships: { id: string; problem: { kind: string } | null }[] };
    expect(shown.memberships[0]!.problem?.kind).toBe("failed");
    const portal = await callRoute(
      library.action,
      formRequest("/library", { intent: "manage-billing", membershipId: shown.memberships[0]!.id }, { cookie }),
    );
    expect(portal.status).toBe(303);
    expect(portal.headers.get("location")).toMatch(/\/p\/session\//); // the emulator's billing portal page
    const portalPage = await fetch(portal.headers.get("location")!);
    expect(portalPage.status).toBe(200);
    expect(await portalPage.text()).toMatch(/card/i);

    await advance(buyer, START + 16 * DAY); // Stripe's retries fail too, then it cancels
    const [ended] = await waitForMail(to, ENDED);
    for (const part of parts(ended!)) expect(part).toContain("after several tries");
    const retries = await db().stripeEvent.count({
      where: {
        type: "invoice.payment_failed",
        payload: { path: ["data", "object", "customer"], equals: buyer.customer.id },
      },
    });
    expect(retries).toBeGreaterThan(1);
    await quiet();
    // One email for the invoice however many times its payment failed.
    expect(await mail(to, FAILED)).toHaveLength(1);
    expect(await mail(to, ENDED)).toHaveLength(1);
    expect(await mail(to, CANCELED)).toHaveLength(0);
  });

  it("a paid start says so in the welcome; a renewal the bank wants confirmed sends Stripe's invoice page, not a card failure", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedMembership(creator.id, { monthly: 1_200 });
    const buyer = await buyerOnTestClock(stripe, START);
    const to = buyer.user.email;
    const sub = await subscribe(buyer, product.id, "4000002760003184"); // approved at Checkout (on session)
    const [welcome] = await waitForMail(to, WELCOME);
    for (const part of parts(welcome!)) {
      expect(part).toContain("first payment of $12.00 went through");
      expect(part).toContain("$12.00 per month");
      expect(part).toContain("June 28, 2026"); // renews a month after May 28
    }
    expect(await mail(to, RECEIPT)).toHaveLength(0); // the first invoice's payment is in the welcome

    await advance(buyer, START + 32 * DAY); // off session, the bank asks for the buyer
    const [confirm] = await waitForMail(to, CONFIRM);
    const membership = await db().membership.findUniqueOrThrow({ where: { stripeSubscriptionId: sub } });
    expect(membership.paymentProblem).toBe("action_required");
    expect(membership.paymentProblemUrl).toMatch(/^http/);
    expect(confirm!.subject).toBe(`Confirm your payment for ${product.title}`);
    expect(links(confirm!)).toContain(membership.paymentProblemUrl);
    expect(confirm!.text).toContain(membership.paymentProblemUrl);
    for (const part of parts(confirm!)) expect(part).toContain("$12.00");

    // Following the link and confirming pays the invoice: its receipt comes.
    const done = await fetch(membership.paymentProblemUrl!, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=approve",
      redirect: "manual",
    });
    expect(done.status).toBeLessThan(400);
    await stripeEnv.settle();
    const [receipt] = await waitForMail(to, RECEIPT);
    for (const part of parts(receipt!)) expect(part).toContain("$12.00");
    await quiet();
    expect(await mail(to, CONFIRM)).toHaveLength(1);
    expect(await mail(to, FAILED)).toHaveLength(0);
  });
});

describe("settings and currencies", () => {
  it("a creator who turned off new-member emails gets none; the buyer's welcome still goes; yen shows no decimals", async () => {
    const { user: creatorUser, creator } = await onboardedCreator(stripeEnv.url);
    await db().emailOptOut.create({ data: { userId: creatorUser.id, topic: "creator_members" } });
    const product = await publishedMembership(creator.id, { monthly: 1_500, currency: "jpy" });
    const buyer = await buyerOnTestClock(stripe, START);
    await subscribe(buyer, product.id);
    const [welcome] = await waitForMail(buyer.user.email, WELCOME);
    for (const part of parts(welcome!)) {
      expect(part).toContain("¥1,500 per month");
      expect(part).not.toContain("¥15.00");
      expect(part).toContain("JPY");
    }
    await quiet();
    expect(await mail(creatorUser.email, NEW_MEMBER)).toHaveLength(0);
    expect(await db().email.count({ where: { kind: "creator_new_member", to: creatorUser.email } })).toBe(0);
  });
});
