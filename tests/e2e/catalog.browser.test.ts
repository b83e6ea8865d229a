// A creator creates a product with a cover and a file, publishes it, and the public finds it by search and buys from
// its page. Screenshots (desktop and phone) go to SCREENSHOT_DIR, or /tmp/shots-catalog.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "#app/utils/db.server.ts";
import { startTestApp } from "#tests/helpers/app-server.ts";
import { launchBrowser } from "#tests/helpers/browser.ts";
import { creatorWithAccount, gradientPng, PDF_BYTES } from "#tests/helpers/catalog.ts";
import { signedInContext } from "#tests/helpers/e2e.ts";

const shots = process.env.SCREENSHOT_DIR ?? "/tmp/shots-catalog";
const uploads = fs.mkdtempSync(path.join(os.tmpdir(), "uploads-e2e-"));
let app: Awaited<ReturnType<typeof startTestApp>>;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  app = await startTestApp({ databaseUrl: process.env.DATABASE_URL!, env: { UPLOADS_DIR: uploads } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

async function shoot(page: Page, name: string) {
  for (const [label, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(shots, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

/** Fails the test on any error the page logs or throws. */
function watchErrors(page: Page) {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

const signedInAs = (userId: string) => signedInContext(browser, app.url, userId, { viewport: VIEWPORTS.desktop });

describe("catalog in the browser", () => {
  it("creates, publishes and finds a product with its cover and price", async () => {
    const { user, creator } = await creatorWithAccount({ chargesEnabled: true, bio: "Maps and field guides." });
    const coverFile = path.join(os.tmpdir(), `cover-${Date.now()}.png`);
    const bookFile = path.join(os.tmpdir(), `Trail Guide-${Date.now()}.pdf`);
    fs.writeFileSync(coverFile, gradientPng());
    fs.writeFileSync(bookFile, PDF_BYTES);

    const creatorContext = await signedInAs(user.id);
    const page = await creatorContext.newPage();
    const creatorErrors = watchErrors(page);
    await page.goto(`${app.url}/creator/products`);
    await page.getByRole("heading", { name: "No products yet" }).waitFor();
    await page.getByRole("link", { name: "New product" }).click();
    await page.waitForURL(`${app.url}/creator/products/new`);

    // A bad price is refused with a field message, and nothing is created.
    await page.getByLabel("Title").fill("Alpine Trail Guide");
    await page.getByLabel("Price").fill("0.10");
    await page.getByRole("button", { name: "Create product" }).click();
    await expect(page.getByText("The lowest price Stripe accepts in USD is $0.50").textContent()).resolves.toBeTruthy();
    expect(await db().product.count({ where: { creatorId: creator.id } })).toBe(0);
    await shoot(page, "creator-form-error");

    await page.getByLabel("Title").fill("Alpine Trail Guide");
    await page
      .getByLabel("Description")
      .fill("Twelve day hikes above the tree line.\nMaps, elevation profiles and huts.");
    await page.getByLabel("Price").fill("12.00");
    await page.getByLabel("Currency").selectOption("usd");
    await page.getByLabel("Cover image").setInputFiles(coverFile);
    await page.getByLabel("Product file").setInputFiles(bookFile);
    await page.getByRole("button", { name: "Create product" }).click();
    await page.waitForURL(/\/creator\/products\/[^/]+\?saved=created$/);
    await page.getByText("Product created as a draft").waitFor();
    expect(await page.getByTestId("current-file").textContent()).toContain("Trail Guide");
    expect(await page.getByTestId("product-status").textContent()).toBe("Draft");
    await shoot(page, "creator-product-edit");

    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByRole("button", { name: "Unpublish", exact: true }).waitFor();
    expect(await page.getByTestId("product-status").textContent()).toBe("Published");
    const product = await db().product.findFirstOrThrow({
      where: { creatorId: creator.id },
      include: { prices: true },
    });
    expect(product).toMatchObject({ slug: "alpine-trail-guide", published: true });
    expect(product.prices).toMatchObject([{ amount: 1200, currency: "usd", active: true }]);
    expect(product.coverImagePath).toMatch(/^covers\/[0-9a-f]{32}\.png$/);
    expect(fs.existsSync(path.join(uploads, product.deliverablePath!))).toBe(true);
    // The file buyers pay for is not reachable by any public URL.
    for (const guess of [
      `/${product.deliverablePath}`,
      `/uploads/${product.deliverablePath}`,
      `/data/uploads/${product.deliverablePath}`,
      `/media/covers/${product.id}/../../${product.deliverablePath}`,
    ]) {
      const response = await fetch(`${app.url}${guess}`);
      expect(response.status, guess).toBe(404);
    }

    // The public finds it by search on the home page and opens it.
    const visitor = await browser.newPage({ viewport: VIEWPORTS.desktop });
    const visitorErrors = watchErrors(visitor);
    await visitor.goto(`${app.url}/`);
    await visitor.getByRole("searchbox", { name: "Search products" }).fill("tree LINE");
    await visitor.getByRole("button", { name: "Search" }).click();
    await visitor.waitForURL(`${app.url}/?q=tree+LINE`);
    const cards = visitor.getByTestId("product-card");
    await visitor.getByRole("heading", { name: "Results for “tree LINE”" }).waitFor();
    expect(await cards.count()).toBe(1);
    expect(await cards.first().getByTestId("product-price").textContent()).toBe("$12.00");
    const cover = cards.first().locator("img");
    await expect.poll(() => cover.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(800);
    await shoot(visitor, "home-search");
    await visitor.goto(`${app.url}/`);
    await shoot(visitor, "home");

    await visitor.goto(`${app.url}/?q=tree+LINE`);
    await cards.first().getByRole("link", { name: "Alpine Trail Guide" }).click();
    await visitor.waitForURL(`${app.url}/p/alpine-trail-guide`);
    expect(await visitor.getByTestId("product-price").textContent()).toBe("$12.00");
    expect(await visitor.getByTestId("buy-button").textContent()).toBe("Buy for $12.00");
    expect(await visitor.getByTestId("product-description").innerText()).toBe(
      "Twelve day hikes above the tree line.\nMaps, elevation profiles and huts.",
    );
    await shoot(visitor, "product-page");
    await visitor.getByRole("link", { name: creator.displayName }).click();
    await visitor.waitForURL(`${app.url}/c/${creator.slug}`);
    expect(await visitor.getByTestId("creator-bio").textContent()).toBe("Maps and field guides.");
    expect(await visitor.getByTestId("product-card").count()).toBe(1);
    await shoot(visitor, "creator-page");

    // Stripe restricts the creator: the page stays, the Buy button goes.
    await db().creatorAccount.update({
      where: { id: creator.id },
      data: { chargesEnabled: false, onboardingStatus: "RESTRICTED" },
    });
    await visitor.goto(`${app.url}/p/alpine-trail-guide`);
    expect(await visitor.getByTestId("not-for-sale").textContent()).toContain(
      "This creator can't accept payments right now",
    );
    expect(await visitor.getByTestId("buy-button").count()).toBe(0);
    await shoot(visitor, "product-page-restricted");
    await db().creatorAccount.update({
      where: { id: creator.id },
      data: { chargesEnabled: true, onboardingStatus: "ACTIVE" },
    });

    // Unpublishing asks first, then the public gets a 404.
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Unpublish", exact: true }).click();
    await page.getByRole("button", { name: "Publish", exact: true }).waitFor();
    const gone = await visitor.goto(`${app.url}/p/alpine-trail-guide`);
    expect(gone?.status()).toBe(404);

    // The refused form answers 400, which the browser logs once; anything else is a bug.
    expect(creatorErrors).toEqual(["Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    // The 404 document logs one failed resource load; anything else is a bug.
    expect(visitorErrors.filter((e) => !/404/.test(e))).toEqual([]);
    await creatorContext.close();
    await visitor.close();
  });
});
