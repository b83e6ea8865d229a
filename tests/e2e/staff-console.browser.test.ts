// Staff in the browser on the built app: a real order made through the app's own Stripe emulator, found from the
// Orders page, opened with its timeline, then the audit log and its CSV download. Screenshots go to /tmp/shots-staff/.
import fs from "node:fs";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { logIn as logInAt, useBrowserApp } from "#tests/helpers/e2e.ts";
import { controls } from "#tests/helpers/stripe.ts";

const SHOTS = "/tmp/shots-staff";
const context = useBrowserApp();
beforeAll(() => {
  fs.mkdirSync(SHOTS, { recursive: true });
});

const logIn = (page: Page, email: string, password: string) => logInAt(page, context.app.url, email, password);

async function shoot(page: Page, name: string) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await page.reload(); // a fresh layout at this width, as a phone would load it
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** The demo buyer pays for a demo product: POST /checkout in their session, then the emulator's pay control. */
async function buyAsDemoBuyer() {
  const emulatorUrl = /Stripe emulator on (http:\/\/[^\s]+?) /.exec(context.app.output())?.[1];
  expect(emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const buyerContext = await context.browser.newContext();
  const page = await buyerContext.newPage();
  await logIn(page, "buyer@example.com", "buyer-demo-password");
  const product = await db().product.findUniqueOrThrow({ where: { slug: "freelance-pricing-guide" } });
  const response = await page.request.post(`${context.app.url}/checkout`, {
    form: { productId: product.id },
    headers: { Origin: context.app.url },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(303);
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(response.headers()["location"] ?? "")?.[1];
  expect(sessionId).toBeTruthy();
  const payment = await controls.payCheckoutSession(emulatorUrl!, sessionId!);
  expect(payment.status).toBe("succeeded");
  await buyerContext.close();
  // The app fulfils from the emulator's webhook; wait for it to land (bounded, not a timing assertion).
  for (let tries = 0; tries < 200; tries++) {
    const order = await db().order.findUnique({ where: { stripeCheckoutSessionId: sessionId! } });
    if (order) return order;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("The order did not appear after the checkout.session.completed webhook");
}

describe("staff console in the browser", () => {
  it("finds an order, shows its page and timeline, and exports the audit log as CSV", async () => {
    const order = await buyAsDemoBuyer();
    const page = await context.browser.newPage();
    await logIn(page, "staff@example.com", "staff-demo-password");
    expect(new URL(page.url()).pathname).toBe("/staff");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
    await page.waitForURL(`${context.app.url}/staff/orders`);
    await page.getByRole("heading", { name: "Orders" }).waitFor();
    await page.getByLabel("Search", { exact: true }).fill("buyer@example.com");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/\/staff\/orders\?q=buyer%40example\.com/);
    expect(await page.getByTestId("search-kind").textContent()).toContain("buyer email");
    const rows = page.getByTestId("order-row");
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(`#${order.number}`);
    expect(await rows.first().textContent()).toContain("$19.00");
    await shoot(page, "orders-list");

    await page.getByLabel("Search", { exact: true }).fill("no-such-buyer@example.com");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("heading", { name: "No orders match “no-such-buyer@example.com”" }).waitFor();

    await page.getByLabel("Search", { exact: true }).fill(order.stripePaymentIntentId!);
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=pi_/);
    await page.getByRole("link", { name: `#${order.number}` }).click();
    await page.waitForURL(`${context.app.url}/staff/orders/${order.id}`);
    await page.getByRole("heading", { name: `Order #${order.number}` }).waitFor();
    expect(await page.getByTestId("amount-gross").textContent()).toContain("$19.00");
    expect(await page.getByTestId("amount-refundable").textContent()).toContain("$19.00");
    expect(await page.getByTestId("buyer").textContent()).toContain("buyer@example.com");
    expect(await page.getByRole("link", { name: "Refund…" }).getAttribute("href")).toBe(
      `/staff/orders/${order.id}/refund`,
    );
    const timeline = await page.getByTestId("timeline").textContent();
    expect(timeline).toContain("order.paid");
    expect(timeline).toContain("checkout.session.completed");
    expect(timeline).toMatch(/Stripe · evt_/);
    await shoot(page, "order-page");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await page.waitForURL(`${context.app.url}/staff/audit`);
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    await page.getByTestId("audit-row").first().waitFor();
    await page.getByLabel("Action").fill("order.");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/action=order\./);
    await page.getByRole("link", { name: "Clear" }).waitFor();
    const expectedRows = await db().auditLog.count({ where: { action: { startsWith: "order." } } });
    expect(await page.getByTestId("audit-row").count()).toBe(expectedRows);
    await shoot(page, "audit-log");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("csv-export").click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, "utf8");
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "time,actor_type,actor,action,entity_type,entity_id,order_id,amount,currency,ip,user_agent,data",
    );
    expect(lines).toHaveLength(expectedRows + 1);
    const ours = lines.find((line) => line.includes(`,order.paid,order,${order.id},${order.id},1900,usd,`));
    expect(ours).toBeTruthy();
    expect(ours!.split(",")[1]).toBe("STRIPE");
    await page.close();
  });

  it("shows a buyer the 403 page on the staff console", async () => {
    const page = await context.browser.newPage();
    await logIn(page, "buyer@example.com", "buyer-demo-password");
    for (const path of ["/staff/orders", "/staff/audit", "/staff/disputes"]) {
      const response = await page.goto(`${context.app.url}${path}`);
      expect(response?.status()).toBe(403);
      expect(await page.getByTestId("error-page").textContent()).toContain("You don't have access to this page");
    }
    await page.close();
  });
});
