// Browser tests: the built app (with its own Stripe emulator) and Chromium for the test file, and small steps that
// several tests take.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startTestApp, type TestApp } from "./app-server.ts";
import { launchBrowser } from "./browser.ts";

/** Starts the app on the test file's database and a browser before the file's tests; stops both after them. */
export function useBrowserApp() {
  const context = {} as { app: TestApp; browser: Browser };
  beforeAll(async () => {
    context.app = await startTestApp({ databaseUrl: process.env.DATABASE_URL! });
    context.browser = await launchBrowser();
  });
  afterAll(async () => {
    await context.browser?.close();
    await context.app?.stop();
  });
  return context;
}

/** Logs in through the login form and waits until the app has moved on from it. */
export async function logIn(page: Page, appUrl: string, email: string, password: string) {
  await page.goto(`${appUrl}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** A browser context signed in as `userId` without the login form (a session row and its cookie, as the login would
 * set them), for tests that are not about logging in. */
export async function signedInContext(
  browser: Browser,
  appUrl: string,
  userId: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const { sessionCookie } = await import("./requests.ts");
  const [name, value] = (await sessionCookie(userId)).split(/=(.*)/s) as [string, string];
  const context = await browser.newContext(options);
  await context.addCookies([{ name, value, url: appUrl }]);
  return context;
}

/** Polls `read` until `done` holds (work the app does after answering, such as webhooks), for up to 15 s. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
