// The main path as new users would walk it, on the built app and the Stripe emulator's hosted pages.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { eventually, useBrowserApp } from "#tests/helpers/e2e.ts";

const context = useBrowserApp();
const shots = process.env.SCREENSHOT_DIR;

async function shot(page: Page, name: string) {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function signUp(page: Page, input: { name: string; email: string; sell: boolean }) {
  await page.goto(`${context.app.url}/signup`);
  if (input.sell) await page.getByLabel("Sell").check();
  await page.getByLabel("Name").fill(input.name);
  await page.getByLabel("Email").fill(input.email);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(input.sell ? `${context.app.url}/creator` : `${context.app.url}/library`);
}

describe("the purchase path", () => {
  it(
    "a creator onboards and publishes; a buyer is declined, then pays, and downloads the file",
    { timeout: 90_000 },
    async () => {
      const creatorPage = await context.browser.newPage();
      await signUp(creatorPage, { name: "Rosa Maker", email: "rosa@example.com", sell: true });
      // Publishing needs a confirmed address (the emailed link is followed in accounts.browser.test.ts); here it is.
      await db().user.update({ where: { email: "rosa@example.com" }, data: { emailVerifiedAt: new Date() } });
      expect(await creatorPage.getByTestId("onboarding-status").textContent()).toBe("Not started");

      // Express onboarding on the emulator's hosted page.
      await creatorPage.getByTestId("start-onboarding").click();
      await creatorPage.waitForURL(/\/setup\/|onboarding|connect/i);
      await shot(creatorPage, "emulator-onboarding");
      await creatorPage.click("#complete");
      await creatorPage.waitForURL(`${context.app.url}/creator?onboarding=returned`);
      expect(await creatorPage.getByTestId("onboarding-status").textContent()).toBe("Active");
      await shot(creatorPage, "creator-studio-active");

      // A product with a file, published.
      const file = path.join(os.tmpdir(), `zine-${Date.now()}.txt`);
      fs.writeFileSync(file, "Issue #1 of the zine");
      await creatorPage.goto(`${context.app.url}/creator/products/new`);
      await creatorPage.fill("input[name=title]", "Risograph Zine");
      await creatorPage.fill("input[name=price]", "12.00");
      await creatorPage.setInputFiles("input[name=deliverable]", file);
      await creatorPage
        .getByRole("button", { name: /save|create/i })
        .first()
        .click();
      await creatorPage.waitForURL(/\/creator\/products\/[^/]+$/);
      await creatorPage.getByRole("button", { name: /^publish/i }).click();
      await creatorPage.getByRole("button", { name: /unpublish/i }).waitFor();
      const product = await db().product.findFirstOrThrow({ where: { title: "Risograph Zine" } });
      expect(product.published).toBe(true);
      await creatorPage.close();

      // A buyer finds it and tries a declined card first.
      const page = await context.browser.newPage();
      await signUp(page, { name: "Ben Buyer", email: "ben@example.com", sell: false });
      await page.goto(`${context.app.url}/p/${product.slug}`);
      await shot(page, "product-page");
      await page.getByTestId("buy-button").click();
      await page.waitForURL(/\/c\/pay\/cs_/);
      await shot(page, "emulator-checkout");
      await page.fill("#email", "ben@example.com");
      await page.fill("#cardnumber", "4000 0000 0000 0002");
      await page.click("#pay");
      await page
        .getByText(/declined/i)
        .first()
        .waitFor();
      expect(await db().order.count()).toBe(0);

      // Then a card that works.
      await page.fill("#cardnumber", "4242 4242 4242 4242");
      await Promise.all([page.waitForURL(/\/checkout\/success\?session_id=cs_/), page.click("#pay")]);
      await page.getByTestId("order-confirmation").waitFor();
      expect(await page.getByTestId("order-total").textContent()).toBe("$12.00");
      await shot(page, "checkout-success");
      const orders = await eventually(
        () => db().order.findMany({ include: { items: true } }),
        (o) => o.length === 1,
        "the order",
      );
      expect(orders[0]!.items[0]!.productTitle).toBe("Risograph Zine");
      expect(orders[0]!.applicationFeeAmount).toBe(180); // 15% for a new creator

      await page.getByRole("link", { name: "Go to your library" }).click();
      await page.waitForURL(`${context.app.url}/library`);
      await shot(page, "library");
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-link").click()]);
      const saved = await download.path();
      expect(fs.readFileSync(saved!, "utf8")).toBe("Issue #1 of the zine");

      // The webhook arrives too and changes nothing.
      await eventually(
        () => db().stripeEvent.count({ where: { type: "checkout.session.completed", processedAt: { not: null } } }),
        (n) => n === 1,
        "the webhook",
      );
      expect(await db().order.count()).toBe(1);
      expect(await db().entitlement.count()).toBe(1);
      await page.close();
    },
  );
});
