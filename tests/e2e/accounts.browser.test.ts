// A person signs up, logs out and in, and is kept out of pages that are not theirs.
import { describe, expect, it } from "vitest";
import { logIn, useBrowserApp } from "#tests/helpers/e2e.ts";

const context = useBrowserApp();

describe("accounts in the browser", () => {
  it("signs up a buyer, logs out, logs back in, and shows 403 pages for staff and creator areas", async () => {
    const page = await context.browser.newPage();
    await page.goto(`${context.app.url}/signup`);
    await page.getByLabel("Name").fill("Grace Hopper");
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel("Password").fill("cobol-forever-1959");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${context.app.url}/library`);
    await expect(page.getByRole("heading", { name: "Your library" }).textContent()).resolves.toBe("Your library");
    expect(await page.getByTestId("signed-in-as").textContent()).toContain("Grace Hopper");

    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${context.app.url}/`);
    await page.getByRole("link", { name: "Log in" }).waitFor();
    expect(await page.getByTestId("signed-in-as").count()).toBe(0);

    await page.goto(`${context.app.url}/login`);
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("alert").first().textContent()).resolves.toContain("don't match");
    await page.getByLabel("Password").fill("cobol-forever-1959");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${context.app.url}/library`);

    for (const path of ["/staff", "/creator"]) {
      const response = await page.goto(`${context.app.url}${path}`);
      expect(response?.status()).toBe(403);
      expect(await page.getByTestId("error-page").textContent()).toContain("You don't have access to this page");
    }
    await page.close();
  });

  it("logs in the seeded demo staff account", async () => {
    const page = await context.browser.newPage();
    await logIn(page, context.app.url, "staff@example.com", "staff-demo-password");
    expect(page.url()).toBe(`${context.app.url}/staff`);
    expect(await page.getByTestId("stat-Published products").textContent()).toBe("5");
    await page.close();
  });

  it("refuses a cross-site form post (CSRF) but accepts a same-origin one", async () => {
    const body = new URLSearchParams({ email: "staff@example.com", password: "staff-demo-password" });
    const headers = { "Content-Type": "application/x-www-form-urlencoded" };
    const cross = await fetch(`${context.app.url}/login`, {
      method: "POST",
      body,
      headers: { ...headers, Origin: "https://evil.example" },
      redirect: "manual",
    });
    expect(cross.status).toBe(403);
    const same = await fetch(`${context.app.url}/login`, {
      method: "POST",
      body,
      headers: { ...headers, Origin: context.app.url },
      redirect: "manual",
    });
    expect(same.status).toBe(302);
  });

  it("serves /healthz as JSON", async () => {
    const response = await fetch(`${context.app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: { ok: true } });
  });
});
