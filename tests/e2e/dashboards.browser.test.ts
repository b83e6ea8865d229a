// The revenue dashboards in a browser on the built app: the demo creator sees the numbers of their seeded sales, staff
// see the platform totals, both CSV exports add up to the same totals; screenshots at laptop and phone widths go to
// /tmp/shots-dash/ for a person to look at.
import fs from "node:fs";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMoney } from "#app/domain/money.ts";
import { rollupRefund, rollupSale, utcDay } from "#app/domain/revenue.server.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { startTestApp } from "#tests/helpers/app-server.ts";
import { launchBrowser } from "#tests/helpers/browser.ts";
import { signedInContext } from "#tests/helpers/e2e.ts";
import { createUser } from "#tests/helpers/requests.ts";

const SHOTS = "/tmp/shots-dash";
let app: Awaited<ReturnType<typeof startTestApp>>;
let browser: Browser;
const totals = { feesUsd: 0, creatorUsd: 0, creatorUsdOrders: 0, creatorJpy: 0, otherEur: 0, refundsUsd: 0 };

const today = utcDay(new Date());
const daysAgo = (n: number) => new Date(today.getTime() - n * 86_400_000 + 9 * 3_600_000 + (n % 7) * 1_800_000);

async function sale(
  creatorId: string,
  product: { id: string; title: string; prices: { id: string; amount: number; currency: string }[] },
  paidAt: Date,
  refund = 0,
) {
  const price = product.prices[0]!;
  const { user } = await createUser();
  const fee = Math.round(price.amount / 10);
  await transaction(async (tx) => {
    const order = await tx.order.create({
      data: {
        buyerId: user.id,
        creatorId,
        buyerEmail: user.email,
        currency: price.currency,
        totalAmount: price.amount,
        applicationFeeAmount: fee,
        creatorAmount: price.amount - fee,
        stripeFeeAmount:
          price.currency === "jpy" ? Math.round(price.amount * 0.036) : Math.round(price.amount * 0.029) + 30,
        paidAt,
        refundedAmount: refund,
        status: refund ? "PARTIALLY_REFUNDED" : "PAID",
        items: {
          create: {
            productId: product.id,
            priceId: price.id,
            productTitle: product.title,
            unitAmount: price.amount,
            amount: price.amount,
            currency: price.currency,
            applicationFeeAmount: fee,
            feeBps: 1000,
          },
        },
      },
    });
    await rollupSale(tx, order);
    if (refund) {
      const row = await tx.refund.create({
        data: {
          orderId: order.id,
          amount: refund,
          currency: price.currency,
          reason: "requested_by_customer",
          status: "SUCCEEDED",
          reverseTransfer: true,
          refundApplicationFee: false,
          transferReversalAmount: refund,
          createdAt: paidAt,
        },
      });
      await rollupRefund(tx, order, row, 1);
    }
  });
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp({ databaseUrl: process.env.DATABASE_URL! }); // seeds the demo accounts and products
  browser = await launchBrowser();

  const demo = await db().creatorAccount.findFirstOrThrow({ where: { user: { email: "creator@example.com" } } });
  const products = await db().product.findMany({
    where: { creatorId: demo.id },
    include: { prices: true },
    orderBy: { title: "asc" },
  });
  const usdProducts = products.filter((p) => p.prices[0]!.currency === "usd");
  const jpy = products.find((p) => p.prices[0]!.currency === "jpy")!;
  for (let day = 0; day < 30; day++) {
    const count = (day * 7) % 4; // 0–3 sales a day, uneven so the chart has a shape
    for (let k = 0; k < count; k++) {
      const product = usdProducts[(day + k) % usdProducts.length]!;
      const refund = day === 1 && k === 0 ? 500 : 0;
      await sale(demo.id, product, daysAgo(day), refund);
      totals.creatorUsd += product.prices[0]!.amount;
      totals.creatorUsdOrders += 1;
      totals.feesUsd += Math.round(product.prices[0]!.amount / 10);
      totals.refundsUsd += refund;
    }
  }
  for (const day of [3, 11]) {
    await sale(demo.id, jpy, daysAgo(day));
    totals.creatorJpy += jpy.prices[0]!.amount;
  }
  // A second creator selling in eur, for the platform view.
  const { user } = await createUser({ role: "CREATOR", name: "Noor Ceramics" });
  const other = await db().creatorAccount.create({
    data: { userId: user.id, displayName: "Noor Ceramics", slug: "noor-ceramics", onboardingStatus: "ACTIVE" },
  });
  const vase = await db().product.create({
    data: {
      creatorId: other.id,
      title: "Glaze recipes",
      slug: "glaze-recipes",
      published: true,
      prices: { create: { amount: 1500, currency: "eur" } },
    },
    include: { prices: true },
  });
  for (const day of [1, 2, 8, 15]) {
    await sale(other.id, vase, daysAgo(day));
    totals.otherEur += 1500;
  }
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function signedIn(email: string): Promise<BrowserContext> {
  const user = await db().user.findUniqueOrThrow({ where: { email } });
  return signedInContext(browser, app.url, user.id, { viewport: { width: 1280, height: 900 } });
}

function csvSum(text: string, currencyColumn: number, amountColumn: number, currency: string) {
  return text
    .trim()
    .split("\r\n")
    .slice(1)
    .map((line) => line.split(","))
    .filter((cells) => cells[currencyColumn] === currency)
    .reduce((sum, cells) => sum + Math.round(Number(cells[amountColumn]) * (currency === "JPY" ? 1 : 100)), 0);
}

describe("revenue dashboards in the browser", () => {
  it("shows the creator the numbers of their seeded sales, with a readable chart, and the CSV has the same totals", async () => {
    const context = await signedIn("creator@example.com");
    const page = await context.newPage();
    const response = await page.goto(`${app.url}/creator/dashboard`);
    expect(response?.status()).toBe(200);
    await page.getByRole("heading", { name: "Revenue", exact: true }).waitFor();
    expect(await page.getByTestId("gross-usd").textContent()).toBe(formatMoney(totals.creatorUsd, "usd"));
    expect(await page.getByTestId("orders-usd").textContent()).toBe(String(totals.creatorUsdOrders));
    expect(totals.refundsUsd).toBe(500);
    expect(await page.getByTestId("refunds-usd").textContent()).toBe(formatMoney(totals.refundsUsd, "usd"));
    expect(await page.getByTestId("refund-list").textContent()).toContain(formatMoney(500, "usd"));
    expect(await page.getByTestId("gross-jpy").textContent()).toBe(formatMoney(totals.creatorJpy, "jpy"));
    expect(await page.getByTestId("net-usd").textContent()).toBe(
      formatMoney(totals.creatorUsd - totals.feesUsd - totals.refundsUsd, "usd"),
    );
    // The chart is an image with a name and a description screen readers can read, and a table behind it.
    const chart = page.getByRole("img", { name: /Net revenue per day in USD/ });
    expect(await chart.count()).toBe(1);
    expect(await page.locator("#chart-usd-desc").textContent()).toContain("in total");
    await page.getByText("Show the numbers as a table").first().click();
    expect(await page.locator("details[open] tbody tr").count()).toBe(30);
    await page.screenshot({ path: `${SHOTS}/creator-1280.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/creator/dashboard`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390); // nothing sticks out sideways
    await page.screenshot({ path: `${SHOTS}/creator-390.png`, fullPage: true });

    const csv = await page.request.get(`${app.url}/creator/dashboard.csv?range=30d`);
    expect(csv.status()).toBe(200);
    const text = await csv.text();
    expect(csvSum(text, 4, 5, "USD")).toBe(totals.creatorUsd);
    expect(csvSum(text, 4, 7, "USD")).toBe(totals.refundsUsd);
    expect(csvSum(text, 4, 5, "JPY")).toBe(totals.creatorJpy);

    // An impossible custom range explains itself and keeps the page usable.
    const invalid = await page.goto(`${app.url}/creator/dashboard?range=custom&from=2026-04-10&to=2026-04-01`);
    expect(invalid?.status()).toBe(400);
    expect(await page.getByRole("alert").first().textContent()).toBe("The end date must be on or after the start date");
    await context.close();
  });

  it("shows staff the platform totals and the creators table, and the CSV has the same totals", async () => {
    const context = await signedIn("staff@example.com");
    const page = await context.newPage();
    await page.goto(`${app.url}/staff`);
    await page.getByRole("link", { name: /Platform revenue dashboard/ }).click();
    await page.waitForURL(`${app.url}/staff/dashboard`);
    expect(await page.getByTestId("gmv-usd").textContent()).toBe(formatMoney(totals.creatorUsd, "usd"));
    expect(await page.getByTestId("gmv-eur").textContent()).toBe(formatMoney(totals.otherEur, "eur"));
    expect(await page.getByTestId("gmv-jpy").textContent()).toBe(formatMoney(totals.creatorJpy, "jpy"));
    expect(await page.getByTestId("active-creators").textContent()).toBe("2");
    expect(await page.getByTestId("creators-table").getByRole("row").count()).toBe(2); // header + the demo creator in usd
    await page.getByRole("link", { name: "EUR" }).click();
    await page.waitForURL(/currency=eur/);
    await page.getByTestId("creators-table").getByRole("link", { name: "Noor Ceramics" }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("creators-table").textContent()).not.toContain("Casey");
    await page.goto(`${app.url}/staff/dashboard`);
    await page.screenshot({ path: `${SHOTS}/staff-1280.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SHOTS}/staff-390.png`, fullPage: true });

    const csv = await page.request.get(`${app.url}/staff/dashboard.csv?range=30d`);
    const text = await csv.text();
    expect(csvSum(text, 3, 5, "USD")).toBe(totals.creatorUsd);
    expect(csvSum(text, 3, 5, "EUR")).toBe(totals.otherEur);
    expect(csvSum(text, 3, 5, "JPY")).toBe(totals.creatorJpy);
    await context.close();
  });
});
