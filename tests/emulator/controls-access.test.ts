// Who may drive /_emulator/* (issue 12, item 6): tools on loopback, the emulator's own pages, and beyond loopback only
// holders of its secret key. A web page elsewhere cannot use a developer's browser to pay sessions or reset state.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StripeEmulator } from "../../scripts/stripe-emulator/server.js";
import { controlRefusal, isLoopbackHost } from "../../scripts/stripe-emulator/controls.js";
import { setWebhookControls } from "../../scripts/stripe-emulator/testing.js";
import { boot, client } from "./helpers.js";

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

async function post(em: StripeEmulator, path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${em.url}${path}`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
}

async function duplicateControl(em: StripeEmulator) {
  const res = await fetch(`${em.url}/_emulator/webhooks/controls`);
  return ((await res.json()) as { duplicate: number }).duplicate;
}

describe("emulator controls on loopback", () => {
  let em: StripeEmulator;
  beforeAll(async () => {
    ({ em } = await boot());
  });
  afterAll(async () => em.close());
  afterEach(async () => {
    await setWebhookControls(em.url, { duplicate: 0 });
  });

  it("refuses requests addressed to another host name (DNS rebinding), reads included", async () => {
    const http = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${em.url}/_emulator/webhooks/controls`,
        { headers: { Host: "rebound.evil.example" } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it("takes the test helpers' JSON posts and a tool's form post without Origin", async () => {
    await setWebhookControls(em.url, { duplicate: 2 });
    expect(await duplicateControl(em)).toBe(2);
    const curl = await post(em, "/_emulator/webhooks/controls", "duplicate=3", {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "curl/8.5.0",
    });
    expect(curl.status).toBe(200);
    expect(await duplicateControl(em)).toBe(3);
  });

  it.each([
    [
      "a foreign Origin (JSON)",
      { "content-type": "application/json", origin: "https://evil.example" },
      '{"duplicate":5}',
    ],
    [
      "a foreign Origin (form)",
      { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      "duplicate=5",
    ],
    [
      "Origin: null (a sandboxed page)",
      { "content-type": "application/x-www-form-urlencoded", origin: "null" },
      "duplicate=5",
    ],
    [
      "a foreign Referer without Origin",
      { "content-type": "application/x-www-form-urlencoded", referer: "https://evil.example/page" },
      "duplicate=5",
    ],
    [
      "a DNS-rebound name for this port",
      { "content-type": "application/json", origin: "http://rebound.evil.example:12111" },
      '{"duplicate":5}',
    ],
    [
      "a browser form post without Origin",
      { "content-type": "application/x-www-form-urlencoded", "user-agent": BROWSER },
      "duplicate=5",
    ],
    [
      "a cross-site text/plain post",
      { "content-type": "text/plain", "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" },
      '{"duplicate":5}',
    ],
    [
      "a multipart form post from a browser",
      { "content-type": "multipart/form-data; boundary=x", "sec-fetch-site": "cross-site" },
      "--x--",
    ],
  ])("refuses %s with a 403 and changes nothing", async (_, headers, body) => {
    const refused = await post(em, "/_emulator/webhooks/controls", body, headers as Record<string, string>);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/Cross-site request refused/);
    expect(await duplicateControl(em)).toBe(0);
  });

  it("refuses a cross-site reset: the emulator keeps its state", async () => {
    const stripe = client(em);
    const customer = await stripe.customers.create({ email: "kept@example.com" });
    const refused = await post(em, "/_emulator/reset", "", {
      "content-type": "text/plain",
      origin: "https://evil.example",
    });
    expect(refused.status).toBe(403);
    expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);
  });

  it("takes posts from its own origin, under any loopback name, and a browser's same-origin form post", async () => {
    const port = new URL(em.url).port;
    for (const origin of [em.url, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      const ok = await post(em, "/_emulator/webhooks/controls", "duplicate=1", {
        "content-type": "application/x-www-form-urlencoded",
        origin,
      });
      expect(ok.status, origin).toBe(200);
    }
    const sameOrigin = await post(em, "/_emulator/webhooks/controls", "duplicate=4", {
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": BROWSER,
      "sec-fetch-site": "same-origin",
    });
    expect(sameOrigin.status).toBe(200);
    expect(await duplicateControl(em)).toBe(4);
  });

  it("leaves the hosted pages (which post to themselves, not to the controls) alone", async () => {
    const page = await fetch(`${em.url}/`);
    expect(page.status).toBe(200);
  });
});

describe("emulator controls beyond loopback", () => {
  let em: StripeEmulator;
  const saved = process.env.STRIPE_EMULATOR_SECRET_KEY;
  beforeAll(async () => {
    ({ em } = await boot({ host: "0.0.0.0" }));
  });
  afterAll(async () => {
    process.env.STRIPE_EMULATOR_SECRET_KEY = saved;
    if (saved === undefined) delete process.env.STRIPE_EMULATOR_SECRET_KEY;
    await em.close();
  });
  const local = (path: string) => `http://127.0.0.1:${em.port}${path}`;

  it("makes up a secret key instead of the well-known default, and the API takes it", async () => {
    expect(em.secretKey).toMatch(/^sk_test_[A-Za-z0-9]{32}$/);
    expect(em.secretKey).not.toBe("sk_test_emulator");
    const u = new URL(local("/"));
    const stripe = client({ ...em, url: u.origin });
    expect((await stripe.customers.create({ email: "a@example.com" })).object).toBe("customer");
  });

  it("answers the health check to anyone but every other control only with the key", async () => {
    expect((await fetch(local("/_emulator/health"))).status).toBe(200);
    const anonymous = await fetch(local("/_emulator/webhooks/controls"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"duplicate":7}',
    });
    expect(anonymous.status).toBe(401);
    expect((await fetch(local("/_emulator/deliveries"))).status).toBe(401);
    const wrongKey = await fetch(local("/_emulator/reset"), {
      method: "POST",
      headers: { authorization: "Bearer sk_test_emulator" },
    });
    expect(wrongKey.status).toBe(401);
    const keyed = await fetch(local("/_emulator/webhooks/controls"), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${em.secretKey}` },
      body: '{"duplicate":7}',
    });
    expect(keyed.status).toBe(200);
    const read = await fetch(local("/_emulator/webhooks/controls"), {
      headers: { authorization: `Bearer ${em.secretKey}` },
    });
    expect(((await read.json()) as { duplicate: number }).duplicate).toBe(7);
  });

  it("still refuses a cross-site post that carries the key (a page cannot set it, but the rule holds)", async () => {
    const res = await fetch(local("/_emulator/webhooks/controls"), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${em.secretKey}`,
        origin: "https://evil.example",
      },
      body: '{"duplicate":1}',
    });
    expect(res.status).toBe(403);
  });

  it("lets the test helpers in when they are given the key", async () => {
    process.env.STRIPE_EMULATOR_SECRET_KEY = em.secretKey;
    expect((await setWebhookControls(local(""), { duplicate: 0 })).duplicate).toBe(0);
  });
});

describe("the access rule", () => {
  it("knows loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com", "localhost.evil.example"])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it("refuses an unparsable Referer rather than ignoring it", () => {
    const req = { method: "POST", headers: { referer: "not a url", "content-type": "application/json" } } as never;
    const access = { loopback: true, secretKey: "sk_test_x", ownOrigins: () => ["http://127.0.0.1:1"] };
    expect(controlRefusal(req, "/_emulator/reset", access)?.status).toBe(403);
  });
});
