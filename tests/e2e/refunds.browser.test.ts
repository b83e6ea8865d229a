// Staff refund an order in two steps; the buyer keeps the product after the partial refund and loses it after the
// full one; the audit log names the staff member for both.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { startTestApp } from "#tests/helpers/app-server.ts";
import { launchBrowser } from "#tests/helpers/browser.ts";

let app: Awaited<ReturnType<typeof startTestApp>>;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: process.env.DATABASE_URL! });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function logIn(page: Page, email: string, password: string) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForLoadState("networkidle");
}

async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function refund(staff: Page, orderId: string, amount: string) {
  await staff.goto(`${app.url}/staff/orders/${orderId}`);
  await staff.locator(`a[href="/staff/orders/${orderId}/refund"]`).click();
  await staff.waitForURL(/\/refund/);
  await staff.getByLabel(/Amount to refund/).fill(amount);
  await staff.getByRole("button", { name: "Preview refund" }).click();
  await staff.getByTestId("refund-preview").waitFor();
  await staff.getByTestId("confirm-refund").click();
  await staff.waitForURL(new RegExp(`/staff/orders/${orderId}\\?refunded=1`));
}

describe("staff refunds", () => {
  it("refunds part, then the rest; access goes only after the full refund; the audit log names the staff member", { timeout: 90_000 }, async () => {
    // The demo buyer buys a demo product with the test card.
    const buyer = await browser.newPage();
    await logIn(buyer, "buyer@example.com", "buyer-demo-password");
    await buyer.goto(`${app.url}/p/minimal-notion-planner`);
    await buyer.getByTestId("buy-button").click();
    await buyer.waitForURL(/\/c\/pay\/cs_/);
    await buyer.fill("#cardnumber", "4242 4242 4242 4242");
    await Promise.all([buyer.waitForURL(/\/checkout\/success/), buyer.click("#pay")]);
    await buyer.getByTestId("order-confirmation").waitFor();
    const order = await db().order.findFirstOrThrow();

    const staff = await browser.newPage();
    await logIn(staff, "staff@example.com", "staff-demo-password");
    await staff.goto(`${app.url}/staff/orders?q=${order.number}`);
    await staff.getByRole("link", { name: new RegExp(`#?${order.number}`) }).first().click();
    await staff.waitForURL(new RegExp(`/staff/orders/${order.id}`));

    await refund(staff, order.id, "5.00");
    await until(async () => (await db().refund.count({ where: { status: "SUCCEEDED" } })) === 1, "the first refund to settle");
    await buyer.goto(`${app.url}/library`);
    expect(await buyer.getByTestId("download-link").count()).toBe(1);

    await refund(staff, order.id, "7.00");
    await until(async () => (await db().refund.count({ where: { status: "SUCCEEDED" } })) === 2, "the second refund to settle");
    await buyer.goto(`${app.url}/library`);
    expect(await buyer.getByTestId("download-link").count()).toBe(0);
    expect(await buyer.getByTestId("library-item").textContent()).toContain("$12.00 refunded");

    await staff.goto(`${app.url}/staff/audit?action=refund.created`);
    const text = (await staff.locator("main").textContent()) ?? "";
    expect(text.match(/refund\.created/g)?.length).toBe(2);
    expect(text).toContain("staff@example.com");
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("REFUNDED");
  });
});
