import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import Stripe from "stripe";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { boot, onboardedAccount } from "./helpers.js";

let em: StripeEmulator;
let stripe: Stripe;
let browser: Browser;
let page: Page;
let merchant: http.Server;
let shop = "";

beforeAll(async () => {
  ({ em, stripe } = await boot());
  merchant = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<h1 id="merchant">merchant ${req.url}</h1>`);
  });
  await new Promise<void>((r) => merchant.listen(0, "127.0.0.1", () => r()));
  shop = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await em.close();
  await new Promise<void>((r) => merchant.close(() => r()));
});

async function session(seller: string) {
  return stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [
      { quantity: 1, price_data: { currency: "usd", unit_amount: 4900, product_data: { name: "Lightroom presets" } } },
    ],
    payment_intent_data: { application_fee_amount: 490, transfer_data: { destination: seller } },
    success_url: `${shop}/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${shop}/cancel`,
  });
}

async function clickAndWait(selector: string) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

async function pay(url: string, card: string) {
  await page.goto(url);
  await page.fill("#email", "buyer@example.com");
  await page.fill("#cardnumber", card);
  await clickAndWait("#pay");
}

describe("hosted checkout page", () => {
  it("pays with each test card", async () => {
    const seller = await onboardedAccount(em, stripe);

    const ok = await session(seller.id);
    await page.goto(ok.url!);
    expect(await page.textContent("#test-mode-banner")).toContain("Test mode — Stripe emulator");
    expect(await page.textContent("#total")).toBe("$49.00");
    await page.screenshot({ path: "/tmp/emulator-checkout.png", fullPage: true });
    await pay(ok.url!, "4242 4242 4242 4242");
    expect(page.url()).toBe(`${shop}/success?session_id=${ok.id}`);
    expect((await stripe.checkout.sessions.retrieve(ok.id)).payment_status).toBe("paid");

    const dec = await session(seller.id);
    await pay(dec.url!, "4000 0000 0000 0002");
    expect(await page.textContent("#error")).toBe("Your card was declined.");
    await page.screenshot({ path: "/tmp/emulator-checkout-declined.png", fullPage: true });
    await pay(dec.url!, "4000 0000 0000 9995");
    expect(await page.textContent("#error")).toBe("Your card has insufficient funds.");
    await pay(dec.url!, "4242424242424242"); // retry succeeds
    expect(page.url()).toContain(`session_id=${dec.id}`);

    const tds = await session(seller.id);
    await pay(tds.url!, "4000 0025 0000 3155");
    expect(page.url()).toContain("/3ds");
    await clickAndWait("#fail");
    expect(await page.textContent("#error")).toContain("unable to authenticate");
    await pay(tds.url!, "4000 0025 0000 3155");
    await clickAndWait("#approve");
    expect(page.url()).toContain(`session_id=${tds.id}`);

    const disp = await session(seller.id);
    await pay(disp.url!, "4000 0000 0000 0259");
    expect(page.url()).toContain(`session_id=${disp.id}`);
    const s = await stripe.checkout.sessions.retrieve(disp.id, { expand: ["payment_intent"] });
    const disputes = await stripe.disputes.list({ payment_intent: (s.payment_intent as Stripe.PaymentIntent).id });
    expect(disputes.data).toHaveLength(1);

    const cancel = await session(seller.id);
    await page.goto(cancel.url!);
    await clickAndWait("#cancel-link");
    expect(page.url()).toBe(`${shop}/cancel`);
  });
});

describe("hosted onboarding and dashboard", () => {
  it("completes onboarding, refuses a used link, and shows the dashboard", async () => {
    const acct = await stripe.accounts.create({
      type: "express",
      email: "maker@example.com",
      capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
    });
    const link = await stripe.accountLinks.create({
      account: acct.id,
      type: "account_onboarding",
      refresh_url: `${shop}/refresh`,
      return_url: `${shop}/return`,
    });
    await page.goto(link.url);
    await page.screenshot({ path: "/tmp/emulator-onboarding.png", fullPage: true });
    await clickAndWait("#complete");
    expect(page.url()).toBe(`${shop}/return`);
    const done = await stripe.accounts.retrieve(acct.id);
    expect(done.charges_enabled).toBe(true);
    expect(done.details_submitted).toBe(true);
    await page.goto(link.url);
    expect(page.url()).toBe(`${shop}/refresh`);

    const s = await session(acct.id);
    await pay(s.url!, "4242424242424242");
    const ll = await stripe.accounts.createLoginLink(acct.id);
    await page.goto(ll.url);
    expect(await page.textContent("#balance")).toBe("$44.10");
    expect(await page.textContent("#transfers")).toContain("$49.00");
    await page.screenshot({ path: "/tmp/emulator-dashboard.png", fullPage: true });
  });

  it("abandons onboarding leaving requirements due", async () => {
    const acct = await stripe.accounts.create({ type: "express", capabilities: { transfers: { requested: true } } });
    const link = await stripe.accountLinks.create({
      account: acct.id,
      type: "account_onboarding",
      refresh_url: `${shop}/refresh`,
      return_url: `${shop}/return`,
    });
    await page.goto(link.url);
    await clickAndWait("#skip");
    expect(page.url()).toBe(`${shop}/return`);
    const a = await stripe.accounts.retrieve(acct.id);
    expect(a.charges_enabled).toBe(false);
    expect(a.payouts_enabled).toBe(false);
    expect(a.requirements?.currently_due?.length).toBeGreaterThan(0);

    const link2 = await stripe.accountLinks.create({
      account: acct.id,
      type: "account_onboarding",
      refresh_url: `${shop}/refresh`,
      return_url: `${shop}/return`,
    });
    await page.goto(link2.url);
    await clickAndWait("#leave");
    expect(page.url()).toBe(`${shop}/return`);
    expect((await stripe.accounts.retrieve(acct.id)).charges_enabled).toBe(false);
  });
});
