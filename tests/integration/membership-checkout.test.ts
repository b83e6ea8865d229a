// Joining a membership through the real stack, as a buyer sees it: product page → /checkout with a plan → the
// emulator's subscription Checkout → signed webhooks → success page, library, downloads, billing portal, renewals.
import fs from "node:fs";
import path from "node:path";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as checkoutAction } from "#app/routes/_shop+/checkout.tsx";
import { loader as successLoader } from "#app/routes/_shop+/checkout_.success.tsx";
import { loader as downloadLoader } from "#app/routes/_library+/library_.download.$entitlementId.ts";
import { loader as receiptLoader } from "#app/routes/_library+/library_.orders.$number.tsx";
import { action as libraryAction, loader as libraryLoader } from "#app/routes/_library+/library.tsx";
import { loader as productLoader } from "#app/routes/_shop+/p.$slug.tsx";
import { loader as homeLoader } from "#app/routes/_shop+/_index.tsx";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { buyerOnTestClock, onboardedCreator, publishedMembership } from "#tests/helpers/marketplace.ts";
import { callRoute, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

const DAY = 24 * 60 * 60;

let stripeEnv: TestStripe;
let stripe: Stripe;
beforeAll(async () => {
  process.env.UPLOADS_DIR = path.join(process.cwd(), `data/test-uploads-${process.pid}-${Date.now()}`);
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
});
afterAll(async () => {
  await stripeEnv?.stop();
  fs.rmSync(env().UPLOADS_DIR, { recursive: true, force: true });
});

/** A creator's membership with a file for members, and a buyer whose Stripe customer is on a test clock. */
async function membershipAndBuyer(options: { monthly?: number; yearly?: number; trialDays?: number | null } = {}) {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedMembership(creator.id, options);
  const stored = `deliverables/${product.id}.txt`;
  fs.mkdirSync(path.join(env().UPLOADS_DIR, "deliverables"), { recursive: true });
  fs.writeFileSync(path.join(env().UPLOADS_DIR, stored), "members only");
  await db().product.update({
    where: { id: product.id },
    data: {
      deliverablePath: stored,
      deliverableName: "issue-1.txt",
      deliverableMimeType: "text/plain",
      deliverableSizeBytes: 12,
    },
  });
  const buyer = await buyerOnTestClock(stripe);
  return { creator, product, ...buyer, cookie: await sessionCookie(buyer.user.id) };
}

function sessionIdFrom(url: string) {
  return /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;
}

async function subscribe(productId: string, cookie: string, interval?: "MONTH" | "YEAR") {
  return callRoute(
    checkoutAction,
    formRequest("/checkout", { productId, ...(interval ? { interval } : {}) }, { cookie }),
  );
}

async function libraryOf(cookie: string) {
  const response = await callRoute(libraryLoader, getRequest("/library", { cookie }));
  expect(response.status).toBe(200);
  return response.json();
}

async function productPage(slug: string, cookie?: string) {
  const response = await callRoute(productLoader, getRequest(`/p/${slug}`, { cookie }), { slug });
  expect(response.status).toBe(200);
  return response.json();
}

async function download(entitlementId: string, cookie: string) {
  return callRoute(downloadLoader, getRequest(`/library/download/${entitlementId}`, { cookie }), { entitlementId });
}

describe("joining a membership", () => {
  it("offers both plans with the yearly saving and the trial, and shows cards per month", async () => {
    const { product, cookie } = await membershipAndBuyer({ monthly: 1000, yearly: 10000, trialDays: 7 });
    const page = await productPage(product.slug, cookie);
    expect(page.product.kind).toBe("MEMBERSHIP");
    expect(page.product.price).toEqual({ amount: 1000, currency: "usd", interval: "MONTH" });
    expect(page.product.plans).toEqual([
      { amount: 1000, currency: "usd", interval: "MONTH" },
      { amount: 10000, currency: "usd", interval: "YEAR" },
    ]);
    expect(page.purchase).toEqual({ kind: "subscribe", trialDays: 7 });
    const anonymous = await productPage(product.slug);
    expect(anonymous.purchase).toEqual({ kind: "subscribe", trialDays: 7 });

    const home = await (await callRoute(homeLoader, getRequest(`/?q=${encodeURIComponent(product.title)}`))).json();
    const card = home.products.find((p: { id: string }) => p.id === product.id);
    expect(card.price).toEqual({ amount: 1000, currency: "usd", interval: "MONTH" });
  });

  it("subscribes yearly with a free trial, then shows the member everywhere; the renewal becomes an invoice", async () => {
    const { product, user, cookie, clock } = await membershipAndBuyer({ monthly: 1000, yearly: 10000, trialDays: 7 });
    const yearly = product.prices.find((p) => p.interval === "YEAR")!;

    const started = await subscribe(product.id, cookie, "YEAR");
    expect(started.status).toBe(303);
    const checkoutUrl = started.headers.get("Location")!;
    expect(checkoutUrl.startsWith(stripeEnv.url)).toBe(true);
    const sessionId = sessionIdFrom(checkoutUrl);
    const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ["line_items"] });
    expect(session.mode).toBe("subscription");
    expect(session.line_items!.data[0]!.price!.id).toBe(yearly.stripePriceId);

    const paid = await controls.payCheckoutSession(stripeEnv.url, sessionId, { card: "4242424242424242" });
    expect(paid.status).toBe("succeeded");
    await stripeEnv.settle();

    // Success page: the welcome, with the trial's end.
    const success = await callRoute(successLoader, getRequest(`/checkout/success?session_id=${sessionId}`, { cookie }));
    expect(success.status).toBe(200);
    const welcome = await success.json();
    expect(welcome.state).toBe("member");
    expect(welcome.membership).toMatchObject({
      productTitle: product.title,
      status: "TRIALING",
      amount: 10000,
      currency: "usd",
      interval: "YEAR",
      firstInvoice: null,
    });
    const trialEnd = new Date(welcome.membership.trialEndsAt).getTime() / 1000;
    expect(Math.abs(trialEnd - (clock.frozen_time + 7 * DAY))).toBeLessThan(60);

    // Library: the membership with its status, trial end and a download while trialing.
    const library = await libraryOf(cookie);
    expect(library.items).toHaveLength(0);
    expect(library.memberships).toHaveLength(1);
    const [membership] = library.memberships;
    expect(membership).toMatchObject({
      status: "TRIALING",
      statusText: "Free trial",
      interval: "YEAR",
      amount: 10000,
      problem: null,
      invoices: [],
      schedule: { kind: "trial" },
    });
    expect(new Date(membership.schedule.date).getTime() / 1000).toBeCloseTo(trialEnd, -1);
    expect(membership.entitlementId).toBeTruthy();
    const file = await download(membership.entitlementId, cookie);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("members only");

    // The product page says so, and a second subscribe (either plan) is refused.
    expect((await productPage(product.slug, cookie)).purchase).toEqual({ kind: "member" });
    for (const interval of ["YEAR", "MONTH"] as const) {
      const again = await subscribe(product.id, cookie, interval);
      expect(again.status).toBe(409);
      expect((await again.json()).error).toMatch(/already a member/);
    }

    // Manage billing: a portal session for the membership's customer, returning to the library.
    const billing = await callRoute(
      libraryAction,
      formRequest("/library", { intent: "manage-billing", membershipId: membership.id }, { cookie }),
    );
    expect(billing.status).toBe(303);
    const portalUrl = billing.headers.get("Location")!;
    expect(portalUrl.startsWith(stripeEnv.url)).toBe(true);
    const row = await db().membership.findUniqueOrThrow({ where: { id: membership.id } });
    expect(row.stripeCustomerId).toBe((await db().user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId);

    // Past the trial the first yearly charge is an invoice order, listed with a link to its receipt.
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 8 * DAY });
    await stripeEnv.settle();
    const renewed = (await libraryOf(cookie)).memberships[0];
    expect(renewed).toMatchObject({ status: "ACTIVE", statusText: "Active", schedule: { kind: "renews" } });
    expect(renewed.invoices).toHaveLength(1);
    const order = await db().order.findFirstOrThrow({ where: { membershipId: membership.id } });
    expect(renewed.invoices[0]).toMatchObject({ number: order.number, amount: 10000, currency: "usd" });
    expect(order.totalAmount).toBe(10000);
    const receipt = await callRoute(receiptLoader, getRequest(`/library/orders/${order.number}`, { cookie }), {
      number: String(order.number),
    });
    expect(receipt.status).toBe(200);
    expect((await receipt.json()).order).toMatchObject({ number: order.number, totalAmount: 10000 });
    expect((await download(membership.entitlementId, cookie)).status).toBe(200);
  });

  it("subscribes monthly without a trial: the first charge is an invoice, shown on the success page", async () => {
    const { product, cookie } = await membershipAndBuyer({ monthly: 1200 });
    const page = await productPage(product.slug, cookie);
    expect(page.purchase).toEqual({ kind: "subscribe", trialDays: null });
    expect(page.product.plans).toHaveLength(1);

    const started = await subscribe(product.id, cookie); // no interval: the monthly plan
    const sessionId = sessionIdFrom(started.headers.get("Location")!);
    await controls.payCheckoutSession(stripeEnv.url, sessionId);
    await stripeEnv.settle();
    const welcome = await (
      await callRoute(successLoader, getRequest(`/checkout/success?session_id=${sessionId}`, { cookie }))
    ).json();
    expect(welcome.membership).toMatchObject({ status: "ACTIVE", amount: 1200, interval: "MONTH", trialEndsAt: null });
    expect(welcome.membership.nextChargeAt).toBeTruthy();
    expect(welcome.membership.firstInvoice).toEqual(expect.any(Number));
    const [membership] = (await libraryOf(cookie)).memberships;
    expect(membership.schedule.kind).toBe("renews");
    expect(membership.invoices.map((i: { number: number }) => i.number)).toEqual([welcome.membership.firstInvoice]);
  });

  it("welcomes the member on the success page before the webhook arrives, and the late webhook changes nothing", async () => {
    const { product, user, cookie } = await membershipAndBuyer({ monthly: 900, trialDays: 14 });
    const sessionId = sessionIdFrom((await subscribe(product.id, cookie, "MONTH")).headers.get("Location")!);
    await controls.setWebhookControls(stripeEnv.url, { drop: 50 });
    try {
      await controls.payCheckoutSession(stripeEnv.url, sessionId);
      await stripeEnv.settle();
      expect(await db().membership.count({ where: { buyerId: user.id } })).toBe(0);
      const welcome = await (
        await callRoute(successLoader, getRequest(`/checkout/success?session_id=${sessionId}`, { cookie }))
      ).json();
      expect(welcome).toMatchObject({ state: "member", membership: { status: "TRIALING", amount: 900 } });
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { drop: 0 });
    }
    const completed = await stripe.events.list({ type: "checkout.session.completed", limit: 100 });
    const event = completed.data.find((e) => (e.data.object as Stripe.Checkout.Session).id === sessionId)!;
    await controls.resendEvent(stripeEnv.url, event.id);
    await stripeEnv.settle();
    expect(await db().membership.count({ where: { buyerId: user.id } })).toBe(1);
    expect(await db().entitlement.count({ where: { userId: user.id } })).toBe(1);
  });

  it("shows the success page's membership to its buyer only", async () => {
    const { product, cookie } = await membershipAndBuyer({ monthly: 900 });
    const sessionId = sessionIdFrom((await subscribe(product.id, cookie)).headers.get("Location")!);
    await controls.payCheckoutSession(stripeEnv.url, sessionId);
    await stripeEnv.settle();
    const stranger = await buyerOnTestClock(stripe);
    const hidden = await callRoute(
      successLoader,
      getRequest(`/checkout/success?session_id=${sessionId}`, { cookie: await sessionCookie(stranger.user.id) }),
    );
    expect(hidden.status).toBe(404);
  });

  it("refuses a plan that isn't one", async () => {
    const { product, cookie } = await membershipAndBuyer({ monthly: 900 });
    const bad = await subscribe(product.id, cookie, "WEEK" as "MONTH");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/monthly or yearly/);
    const missing = await subscribe(product.id, cookie, "YEAR"); // this membership has no yearly plan
    expect(missing.status).toBe(409);
  });
});

describe("leaving a membership", () => {
  it("says when it cancels and that access lasts until then; once ended, offers to join again without a second trial", async () => {
    const { product, cookie } = await membershipAndBuyer({ monthly: 1000, trialDays: 7 });
    const sessionId = sessionIdFrom((await subscribe(product.id, cookie)).headers.get("Location")!);
    await controls.payCheckoutSession(stripeEnv.url, sessionId);
    await stripeEnv.settle();
    const row = await db().membership.findFirstOrThrow({ where: { productId: product.id } });

    await stripe.subscriptions.update(row.stripeSubscriptionId, { cancel_at_period_end: true });
    await stripeEnv.settle();
    const canceling = (await libraryOf(cookie)).memberships[0];
    expect(canceling).toMatchObject({ status: "TRIALING", live: true, schedule: { kind: "cancels" } });
    expect(canceling.schedule.date).toBeTruthy();
    expect(canceling.entitlementId).toBeTruthy();

    await stripe.subscriptions.cancel(row.stripeSubscriptionId);
    await stripeEnv.settle();
    const ended = (await libraryOf(cookie)).memberships[0];
    expect(ended).toMatchObject({ status: "CANCELED", live: false, schedule: { kind: "ended" }, entitlementId: null });
    expect(ended.accessText).toBeNull();
    // One free trial per buyer and membership: joining again is a plain subscribe.
    expect((await productPage(product.slug, cookie)).purchase).toEqual({ kind: "subscribe", trialDays: null });
  });
});

describe("a renewal that fails", () => {
  it("shows the red banner with the grace period's end, keeps the download until then, then stops it", async () => {
    const { product, cookie, clock } = await membershipAndBuyer({ monthly: 1000, trialDays: 7 });
    const sessionId = sessionIdFrom((await subscribe(product.id, cookie)).headers.get("Location")!);
    // This card is saved for the trial but every later charge fails.
    await controls.payCheckoutSession(stripeEnv.url, sessionId, { card: "4000000000000341" });
    await stripeEnv.settle();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 8 * DAY });
    await stripeEnv.settle();

    const [membership] = (await libraryOf(cookie)).memberships;
    expect(membership).toMatchObject({ status: "PAST_DUE", statusText: "Payment failed", problem: { kind: "failed" } });
    const graceEnds = new Date(membership.problem.accessEndsAt).getTime();
    expect(graceEnds).toBeGreaterThan(Date.now());
    expect(membership.entitlementId).toBeTruthy();
    expect((await download(membership.entitlementId, cookie)).status).toBe(200);

    // When the grace period has run out, the library offers no download and the route refuses it.
    const entitlement = await db().entitlement.findUniqueOrThrow({ where: { membershipId: membership.id } });
    await db().entitlement.update({
      where: { id: entitlement.id },
      data: { accessEndsAt: new Date(Date.now() - 1000) },
    });
    const lapsed = (await libraryOf(cookie)).memberships[0];
    expect(lapsed.entitlementId).toBeNull();
    expect(lapsed.accessText).toMatch(/on hold/);
    expect((await download(entitlement.id, cookie)).status).toBe(403);
  });

  it("asks the member to confirm with their bank when the renewal needs 3-D Secure, linking to Stripe's invoice page", async () => {
    const { product, cookie, clock } = await membershipAndBuyer({ monthly: 1000, trialDays: 7 });
    const sessionId = sessionIdFrom((await subscribe(product.id, cookie)).headers.get("Location")!);
    await controls.payCheckoutSession(stripeEnv.url, sessionId, { card: "4000002760003184" });
    await stripeEnv.settle();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 8 * DAY });
    await stripeEnv.settle();
    const [membership] = (await libraryOf(cookie)).memberships;
    expect(membership.problem).toMatchObject({ kind: "action_required" });
    expect(membership.problem.url.startsWith(stripeEnv.url)).toBe(true);
  });
});
