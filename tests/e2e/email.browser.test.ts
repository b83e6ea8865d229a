// Email as a person meets it, on the built app started as `npm start` runs it (its own local mail server, the
// development inbox at /dev/inbox): the receipt of a purchase and its library link; a forgotten password reset from
// the emailed link, the new password logging in and the old link refused.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { logIn, useBrowserApp } from "#tests/helpers/e2e.ts";

const context = useBrowserApp();

/** Opens the newest inbox message whose subject matches, waiting for it to arrive. */
async function openMessage(page: Page, subject: RegExp) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await page.goto(`${context.app.url}/dev/inbox`);
    const row = page.getByTestId("inbox-message").filter({ hasText: subject }).first();
    if (await row.count()) {
      await row.getByRole("link").click();
      await page.getByTestId("message-subject").waitFor();
      return;
    }
    if (Date.now() > deadline) throw new Error(`No email matching ${subject} reached the inbox`);
    await page.waitForTimeout(300);
  }
}

describe("email in the browser", () => {
  it("a buyer pays, finds the receipt in the inbox and follows its library link", { timeout: 90_000 }, async () => {
    const page = await context.browser.newPage();
    await logIn(page, context.app.url, "buyer@example.com", "buyer-demo-password");
    await page.goto(`${context.app.url}/p/film-presets-vol-2`);
    await page.getByTestId("buy-button").click();
    await page.waitForURL(/\/c\/pay\/cs_/);
    await page.fill("#cardnumber", "4242 4242 4242 4242");
    await Promise.all([page.waitForURL(/\/checkout\/success/), page.click("#pay")]);
    await page.getByTestId("order-confirmation").waitFor();
    expect(await page.getByTestId("receipt-note").textContent()).toMatch(/buyer@example\.com/);
    const order = await db().order.findFirstOrThrow({ include: { items: true } });

    await openMessage(page, new RegExp(`^Your receipt for order #${order.number}(?!\\d)`));
    expect(await page.getByTestId("message-to").textContent()).toBe("buyer@example.com");
    // The HTML part renders in a sandboxed frame of its own.
    const frame = page.getByTestId("message-html");
    expect(await frame.getAttribute("sandbox")).toBe("");
    const html = page.frameLocator('[data-testid="message-html"]');
    await html.getByText("Thank you for your purchase!").waitFor();
    expect(await html.getByText(order.items[0]!.productTitle).count()).toBe(1);
    expect(await page.getByTestId("message-text").textContent()).toContain(`Order #${order.number}`);

    await page
      .getByTestId("message-link")
      .filter({ hasText: /\/library$/ })
      .click();
    await page.waitForURL(`${context.app.url}/library`);
    expect(await page.getByTestId("download-link").count()).toBeGreaterThanOrEqual(1);
    await page.close();
  });

  it(
    "a user resets a forgotten password from the emailed link, logs in with it, and the link then fails",
    { timeout: 90_000 },
    async () => {
      const page = await context.browser.newPage();
      await page.goto(`${context.app.url}/login`);
      await page.getByRole("link", { name: "Forgot password?" }).click();
      await page.waitForURL(`${context.app.url}/forgot-password`);
      await page.getByLabel("Email").fill("creator@example.com");
      await page.getByRole("button", { name: "Send reset link" }).click();
      await page.getByTestId("reset-sent").waitFor();

      await openMessage(page, /Reset your Makers Market password/);
      expect(await page.getByTestId("message-to").textContent()).toBe("creator@example.com");
      const link = page.getByTestId("message-link").filter({ hasText: "/reset-password/" });
      const resetUrl = (await link.getAttribute("href"))!;
      await link.click();
      await page.waitForURL(resetUrl);
      await page.getByLabel("New password", { exact: true }).fill("a fresh creator password");
      await page.getByLabel("New password, again").fill("a fresh creator password");
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.waitForURL(`${context.app.url}/login?reset=1`);
      await page.getByTestId("password-reset-done").waitFor();

      // The old password no longer works; the new one does.
      await page.getByLabel("Email").fill("creator@example.com");
      await page.getByLabel("Password").fill("creator-demo-password");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByText("That email and password don't match an account.").waitFor();
      await logIn(page, context.app.url, "creator@example.com", "a fresh creator password");
      expect(new URL(page.url()).pathname).toBe("/creator");

      // The emailed link is spent.
      await page.goto(resetUrl);
      await page.getByTestId("reset-link-expired").waitFor();
      const user = await db().user.findUniqueOrThrow({ where: { email: "creator@example.com" } });
      expect(await db().passwordReset.count({ where: { userId: user.id, usedAt: null } })).toBe(0);
      await page.close();
    },
  );
});
