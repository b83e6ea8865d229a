// Accounts and notification settings as a person meets them, on the built app with its own local mail server and
// /dev/inbox: a new creator is reminded to confirm their address, asks for the link again, follows it from the inbox
// and sees the address confirmed; turns new-sale emails off and back on; moves the account to a new address from the
// emailed link. A creator unsubscribes from new-sale emails with the link in one, and a mail client's one-click POST
// (no cookie, no Origin) is accepted by the running server.
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { logIn, useBrowserApp } from "#tests/helpers/e2e.ts";

const context = useBrowserApp();
const shots = process.env.SCREENSHOT_DIR;

/** With SCREENSHOT_DIR set, the page at 1280 and at 390 px wide. */
async function shot(page: Page, name: string) {
  if (!shots) return;
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: path.join(shots, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}

/** Opens the newest inbox message to `to` whose subject matches, waiting for it (and for `count` such) to arrive. */
async function openMessage(page: Page, to: string, subject: RegExp, count = 1) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await page.goto(`${context.app.url}/dev/inbox`);
    const rows = page.getByTestId("inbox-message").filter({ hasText: subject }).filter({ hasText: to });
    if ((await rows.count()) >= count) {
      await rows.first().getByRole("link").click();
      await page.getByTestId("message-subject").waitFor();
      expect(await page.getByTestId("message-to").textContent()).toBe(to);
      return;
    }
    if (Date.now() > deadline) throw new Error(`No ${count} emails matching ${subject} reached ${to}`);
    await page.waitForTimeout(300);
  }
}

/** Follows the message's link whose address contains `part`, and returns that address. */
async function followLink(page: Page, part: string) {
  const link = page.getByTestId("message-link").filter({ hasText: part }).first();
  const href = (await link.getAttribute("href"))!;
  await link.click();
  await page.waitForURL(href);
  return href;
}

describe("accounts and notification settings in the browser", () => {
  it(
    "a new creator confirms their address from the inbox, sets notifications and changes their email",
    { timeout: 120_000 },
    async () => {
      const page = await context.browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${context.app.url}/signup`);
      await page.getByLabel("Sell").check();
      await page.getByLabel("Name").fill("Nia Maker");
      await page.getByLabel("Email").fill("nia@example.com");
      await page.getByLabel("Password").fill("a-long-enough-password");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${context.app.url}/creator`);

      // Reminded on the studio, with a button that sends the link again without leaving the page.
      const notice = page.getByTestId("verify-email-notice");
      expect(await notice.textContent()).toContain("nia@example.com");
      await notice.getByRole("button", { name: "Send the link again" }).click();
      await notice.getByRole("status").waitFor();
      expect(await notice.getByRole("status").textContent()).toBe(
        "We sent a new link to nia@example.com. It works for 24 hours.",
      );
      expect(page.url()).toBe(`${context.app.url}/creator`);
      await shot(page, "verify-notice-studio");

      await openMessage(page, "nia@example.com", /Confirm your email for Makers Market/, 2);
      await shot(page, "email-verify");
      await followLink(page, "/verify-email/");
      await page.getByTestId("email-link-confirm").waitFor();
      await shot(page, "verify-confirm");
      await page.getByRole("button", { name: "Confirm my email" }).click();
      await page.waitForURL(`${context.app.url}/settings?done=verified`);
      await page.getByTestId("settings-done").waitFor();
      expect(await page.getByTestId("email-status").textContent()).toBe("Confirmed");
      expect(await page.getByTestId("verify-email-notice").count()).toBe(0);

      // Notifications: every optional topic on; new sales turned off, and it stays off.
      const sales = page.getByLabel("New sales of your products");
      expect(await sales.isChecked()).toBe(true);
      expect(await page.getByLabel("New members of your memberships").isChecked()).toBe(true);
      expect(await page.getByLabel("Payouts sent to your bank").isChecked()).toBe(true);
      expect(await page.getByTestId("essential-note").textContent()).toMatch(/^Receipts, password and security emails/);
      await sales.uncheck();
      await page.getByRole("button", { name: "Save notification settings" }).click();
      await page.getByTestId("notifications-saved").waitFor();
      await page.reload();
      expect(await page.getByLabel("New sales of your products").isChecked()).toBe(false);
      const user = await db().user.findUniqueOrThrow({ where: { email: "nia@example.com" } });
      expect(await db().emailOptOut.findMany({ where: { userId: user.id }, select: { topic: true } })).toEqual([
        { topic: "creator_sales" },
      ]);
      await shot(page, "settings-creator");

      // A new address: a link to it, a notice to the old one; the change happens from the link, signed in still.
      await page.getByLabel("New email").fill("nia.studio@example.com");
      await page.getByLabel("Current password").fill("a-long-enough-password");
      await page.getByRole("button", { name: "Send confirmation link" }).click();
      await page.getByTestId("email-change-sent").waitFor();
      expect(await page.getByTestId("current-email").textContent()).toBe("nia@example.com");
      await shot(page, "settings-change-sent");
      await openMessage(page, "nia@example.com", /Your Makers Market email is being changed/);
      await shot(page, "email-change-notice");
      await openMessage(page, "nia.studio@example.com", /Confirm your new email for Makers Market/);
      await shot(page, "email-change-confirm");
      await followLink(page, "/verify-email/");
      await page.getByRole("button", { name: "Use nia.studio@example.com" }).click();
      await page.waitForURL(`${context.app.url}/settings?done=changed`);
      expect(await page.getByTestId("current-email").textContent()).toBe("nia.studio@example.com");
      expect(await page.getByTestId("signed-in-as").textContent()).toContain("Nia Maker");
      await page.close();
    },
  );

  it("a buyer's settings say every email is essential", async () => {
    const page = await context.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await logIn(page, context.app.url, "buyer@example.com", "buyer-demo-password");
    await page.getByRole("link", { name: "Settings" }).click();
    await page.waitForURL(`${context.app.url}/settings`);
    expect(await page.getByTestId("essential-note").textContent()).toMatch(/^Every email we send you is essential/);
    expect(await page.getByRole("checkbox").count()).toBe(0);
    expect(await page.getByTestId("email-status").textContent()).toBe("Confirmed");
    await shot(page, "settings-buyer");
    await page.close();
  });

  it(
    "a creator unsubscribes from new-sale emails with the link in one; a mail client's one-click POST works too",
    { timeout: 90_000 },
    async () => {
      // The demo buyer buys from the demo creator: the creator gets a new-sale email.
      const page = await context.browser.newPage({ viewport: { width: 1280, height: 800 } });
      await logIn(page, context.app.url, "buyer@example.com", "buyer-demo-password");
      await page.goto(`${context.app.url}/p/freelance-pricing-guide`);
      await page.getByTestId("buy-button").click();
      await page.waitForURL(/\/c\/pay\/cs_/);
      await page.fill("#cardnumber", "4242 4242 4242 4242");
      await Promise.all([page.waitForURL(/\/checkout\/success/), page.click("#pay")]);
      await page.getByTestId("order-confirmation").waitFor();
      await page.context().clearCookies();

      await openMessage(page, "creator@example.com", /sale/i);
      await shot(page, "email-new-sale");
      const headers = await page.locator("body").textContent();
      expect(headers).toContain("List-Unsubscribe-Post");
      const unsubscribeUrl = await followLink(page, "/unsubscribe/");
      expect(headers).toContain(`<${unsubscribeUrl}>`);
      await page.getByTestId("unsubscribe-confirm").waitFor();
      await shot(page, "unsubscribe-confirm");
      await page.getByRole("button", { name: "Unsubscribe" }).click();
      await page.getByTestId("unsubscribed").waitFor();
      expect(await page.getByTestId("unsubscribed").textContent()).toContain(
        "creator@example.com no longer gets emails about new sales of your products.",
      );
      await shot(page, "unsubscribed");
      const creator = await db().user.findUniqueOrThrow({ where: { email: "creator@example.com" } });
      expect(await db().emailOptOut.count({ where: { userId: creator.id, topic: "creator_sales" } })).toBe(1);

      // RFC 8058: the mail provider POSTs from its own servers, with no cookie and no Origin; the same signed link.
      await db().emailOptOut.deleteMany({ where: { userId: creator.id } });
      const oneClick = await fetch(unsubscribeUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
        redirect: "manual",
      });
      expect(oneClick.status).toBe(200);
      expect(await db().emailOptOut.count({ where: { userId: creator.id, topic: "creator_sales" } })).toBe(1);
      const forged = await fetch(
        unsubscribeUrl.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
        {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
          redirect: "manual",
        },
      );
      expect(forged.status).toBe(400);
      // Other forms still need our own origin.
      const crossSite = await fetch(`${context.app.url}/settings`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "intent=notifications",
        redirect: "manual",
      });
      expect(crossSite.status).toBe(403);
      await page.close();
    },
  );
});
