// Staff refund an order in two steps; the buyer keeps the product after the partial refund and loses it after the
// full one; the audit log names the staff member for both.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { eventually, logIn, useBrowserApp } from "#tests/helpers/e2e.ts";

const context = useBrowserApp();

async function refund(staff: Page, orderId: string, amount: string) {
  await staff.goto(`${context.app.url}/staff/orders/${orderId}`);
  await staff.locator(`a[href="/staff/orders/${orderId}/refund"]`).click();
  await staff.waitForURL(/\/refund/);
  await staff.getByLabel(/Amount to refund/).fill(amount);
  await staff.getByRole("button", { name: "Preview refund" }).click();
  await staff.getByTestId("refund-preview").waitFor();
  await staff.getByTestId("confirm-refund").click();
  await staff.waitForURL(new RegExp(`/staff/orders/${orderId}\\?refunded=1`));
}

describe("staff refunds", () => {
  it(
    "refunds part, then the rest; access goes only after the full refund; the audit log names the staff member",
    { timeout: 90_000 },
    async () => {
      // The demo buyer buys a demo product with the test card.
      const buyer = await context.browser.newPage();
      await logIn(buyer, context.app.url, "buyer@example.com", "buyer-demo-password");
      await buyer.goto(`${context.app.url}/p/minimal-notion-planner`);
      await buyer.getByTestId("buy-button").click();
      await buyer.waitForURL(/\/c\/pay\/cs_/);
      await buyer.fill("#cardnumber", "4242 4242 4242 4242");
      await Promise.all([buyer.waitForURL(/\/checkout\/success/), buyer.click("#pay")]);
      await buyer.getByTestId("order-confirmation").waitFor();
      const order = await db().order.findFirstOrThrow();

      const staff = await context.browser.newPage();
      await logIn(staff, context.app.url, "staff@example.com", "staff-demo-password");
      await staff.goto(`${context.app.url}/staff/orders?q=${order.number}`);
      await staff
        .getByRole("link", { name: new RegExp(`#?${order.number}`) })
        .first()
        .click();
      await staff.waitForURL(new RegExp(`/staff/orders/${order.id}`));

      await refund(staff, order.id, "5.00");
      await eventually(
        () => db().refund.count({ where: { status: "SUCCEEDED" } }),
        (n) => n === 1,
        "the first refund to settle",
      );
      await buyer.goto(`${context.app.url}/library`);
      expect(await buyer.getByTestId("download-link").count()).toBe(1);

      await refund(staff, order.id, "7.00");
      await eventually(
        () => db().refund.count({ where: { status: "SUCCEEDED" } }),
        (n) => n === 2,
        "the second refund to settle",
      );
      await buyer.goto(`${context.app.url}/library`);
      expect(await buyer.getByTestId("download-link").count()).toBe(0);
      expect(await buyer.getByTestId("library-item").textContent()).toContain("$12.00 refunded");

      await staff.goto(`${context.app.url}/staff/audit?action=refund.created`);
      const text = (await staff.locator("main").textContent()) ?? "";
      expect(text.match(/refund\.created/g)?.length).toBe(2);
      expect(text).toContain("staff@example.com");
      expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("REFUNDED");
    },
  );
});
