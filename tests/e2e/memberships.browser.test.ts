// Memberships as buyers live them, on the built app, the Stripe emulator's hosted Checkout and billing portal, and
// Stripe test clocks moving the buyer's time: a trial that converts and renews, a card that then fails until the grace
// period is over, and a cancellation at period end that keeps access until then.
import path from "node:path";
import type { Page } from "playwright-core";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { eventually, logIn, useBrowserApp } from "#tests/helpers/e2e.ts";
import { emulatorClient } from "#tests/helpers/stripe.ts";

const context = useBrowserApp();
const shots = process.env.SCREENSHOT_DIR;
const DAY = 86_400;

async function shot(page: Page, name: string) {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** The app's own emulator (started with it), and a client for the test's Stripe-side moves (test clocks). */
function stripeOfApp(): { stripe: Stripe; url: string } {
  const url = /Stripe emulator on (http:\/\/[^\s]+) /.exec(context.app.output())?.[1];
  if (!url) throw new Error(`No emulator URL in the app's output:\n${context.app.output()}`);
  return { stripe: emulatorClient(url, "sk_test_emulator"), url };
}

/** Gives the buyer a Stripe customer on a test clock frozen now, as Checkout will reuse the buyer's customer. */
async function putBuyerOnTestClock(email: string) {
  const { stripe } = stripeOfApp();
  const now = Math.floor(Date.now() / 1000);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: now, name: email });
  const customer = await stripe.customers.create({ email, test_clock: clock.id });
  await db().user.update({ where: { email }, data: { stripeCustomerId: customer.id } });
  let time = now;
  return {
    /** Moves the buyer's Stripe time forward by `days`. */
    async advanceDays(days: number) {
      time += Math.round(days * DAY);
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: time });
    },
  };
}

async function membershipOf(email: string) {
  return db().membership.findFirst({
    where: { buyer: { email } },
    orderBy: { createdAt: "desc" },
    include: { entitlement: true, orders: true },
  });
}

async function startTrialOnStudioPass(page: Page, email: string) {
  await page.goto(`${context.app.url}/p/studio-pass`);
  expect(await page.getByTestId("trial-text").textContent()).toContain("7-day free trial");
  await page.getByTestId("plan-month").click();
  await shot(page, "membership-product-page");
  await page.getByTestId("subscribe-button").click();
  await page.waitForURL(/\/c\/pay\/cs_/);
  await shot(page, "membership-emulator-checkout");
  const emailField = page.locator("#email");
  if (await emailField.isEditable()) await emailField.fill(email);
  await page.fill("#cardnumber", "4242 4242 4242 4242");
  await Promise.all([page.waitForURL(/\/checkout\/success\?session_id=cs_/), page.click("#pay")]);
  await page.getByTestId("membership-confirmation").waitFor();
  await shot(page, "membership-welcome");
}

async function openLibrary(page: Page) {
  await page.goto(`${context.app.url}/library`);
  return page.getByTestId("membership").first();
}

describe("memberships", () => {
  it(
    "a trial converts and renews with access; a failing card keeps access through the grace period, then it ends",
    { timeout: 120_000 },
    async () => {
      const email = "buyer@example.com"; // the demo buyer
      const clock = await putBuyerOnTestClock(email);
      const page = await context.browser.newPage();
      await logIn(page, context.app.url, email, "buyer-demo-password");
      await startTrialOnStudioPass(page, email);

      let card = await openLibrary(page);
      expect(await card.getByTestId("membership-status").textContent()).toBe("Free trial");
      expect(await card.getByTestId("membership-download").count()).toBe(1);
      await shot(page, "membership-library-trial");

      // The trial ends (first paid invoice) and a month later it renews: access stays.
      await clock.advanceDays(8);
      await clock.advanceDays(31);
      const renewed = await eventually(
        () => membershipOf(email),
        (m) => m?.orders.length === 2,
        "two paid invoices",
      );
      expect(renewed!.status).toBe("ACTIVE");
      expect(renewed!.convertedAt).not.toBeNull();
      expect(renewed!.orders.map((o) => o.totalAmount)).toEqual([800, 800]);
      expect(renewed!.entitlement!.status).toBe("ACTIVE");
      card = await openLibrary(page);
      expect(await card.getByTestId("membership-status").textContent()).toBe("Active");
      expect(await card.getByTestId("membership-invoices").locator("li").count()).toBe(2);
      expect(await card.getByTestId("membership-download").count()).toBe(1);

      // The buyer puts a card on file that will be declined, in Stripe's billing portal.
      await card.getByTestId("manage-billing").click();
      await page.waitForURL(/\/p\/session\//);
      await shot(page, "membership-billing-portal");
      await page.fill("#cardnumber", "4000 0000 0000 0341");
      await page.click("#update-card");
      await page.locator("#message").waitFor();
      await Promise.all([page.waitForURL(`${context.app.url}/library`), page.click("#return-link")]);

      // The next renewal fails: a banner, and access kept for the grace period.
      await clock.advanceDays(31);
      const pastDue = await eventually(
        () => membershipOf(email),
        (m) => m?.status === "PAST_DUE",
        "the membership past due",
      );
      expect(pastDue!.entitlement!.status).toBe("GRACE");
      expect(pastDue!.entitlement!.accessEndsAt!.getTime()).toBeGreaterThan(Date.now());
      card = await openLibrary(page);
      expect(await card.getByTestId("payment-problem").textContent()).toContain("Your last payment failed");
      expect(await card.getByTestId("membership-download").count()).toBe(1);
      await shot(page, "membership-payment-failed");

      // Stripe retries for a week and gives up: the membership and its access end.
      await clock.advanceDays(8);
      const ended = await eventually(
        () => membershipOf(email),
        (m) => m?.status === "CANCELED",
        "the membership canceled",
      );
      expect(ended!.entitlement!.status).toBe("ENDED");
      expect(ended!.orders).toHaveLength(2);
      card = await openLibrary(page);
      expect(await card.getByTestId("membership-status").textContent()).toBe("Canceled");
      expect(await card.getByTestId("membership-download").count()).toBe(0);
      const download = await page.request.get(`${context.app.url}/library/download/${ended!.entitlement!.id}`);
      expect(download.status()).toBe(403);
      await shot(page, "membership-ended");
      await page.close();
    },
  );

  it(
    "a member cancels at period end in the billing portal and keeps access until then",
    { timeout: 90_000 },
    async () => {
      const email = "nina@example.com";
      const page = await context.browser.newPage();
      await page.goto(`${context.app.url}/signup`);
      await page.getByLabel("Name").fill("Nina Member");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("a-long-enough-password");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${context.app.url}/library`);
      const clock = await putBuyerOnTestClock(email);
      await startTrialOnStudioPass(page, email);
      await clock.advanceDays(8); // converts: now a paying member
      await eventually(
        () => membershipOf(email),
        (m) => m?.orders.length === 1,
        "the first paid invoice",
      );

      let card = await openLibrary(page);
      await card.getByTestId("manage-billing").click();
      await page.waitForURL(/\/p\/session\//);
      await page.locator("button[id^=cancel-]").click();
      await page.locator("#message").waitFor();
      await shot(page, "membership-portal-canceled");
      await Promise.all([page.waitForURL(`${context.app.url}/library`), page.click("#return-link")]);

      const canceling = await eventually(
        () => membershipOf(email),
        (m) => m?.cancelAtPeriodEnd === true,
        "cancel at period end",
      );
      expect(canceling!.status).toBe("ACTIVE");
      expect(canceling!.entitlement!.status).toBe("ACTIVE");
      card = await openLibrary(page);
      expect(await card.getByTestId("membership-schedule").textContent()).toMatch(
        /^Cancels.*you keep access until then$/,
      );
      expect(await card.getByTestId("membership-download").count()).toBe(1);
      await shot(page, "membership-cancels-at-period-end");

      // The period ends: no renewal, access ends.
      await clock.advanceDays(31);
      const ended = await eventually(
        () => membershipOf(email),
        (m) => m?.status === "CANCELED",
        "the membership canceled",
      );
      expect(ended!.entitlement!.status).toBe("ENDED");
      expect(ended!.orders).toHaveLength(1);
      card = await openLibrary(page);
      expect(await card.getByTestId("membership-download").count()).toBe(0);
      await page.close();
    },
  );
});
