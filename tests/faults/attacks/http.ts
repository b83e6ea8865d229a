// Attacks on the HTTP server itself, sent over real sockets to the built app running as its own process: demo accounts
// in production, parallel logins, proxies and client addresses, huge and slow bodies, open redirects, origins and
// hosts, security headers, password hashing, and the purge of old login data.
import bcrypt from "bcryptjs";
import { describe, expect, inject, it } from "vitest";
import { purgeExpiredRecords } from "#app/domain/retention.server.ts";
import { LOGIN_LIMITS } from "#app/domain/users.server.ts";
import { db } from "#app/utils/db.server.ts";
import { startTestApp } from "#tests/helpers/app-server.ts";
import { createTestDatabase } from "#tests/helpers/database.ts";
import { sendRaw } from "../../../scripts/lib/raw-http.ts";
import { createUser, sessionCookie } from "#tests/helpers/requests.ts";
import { testApp } from "./context.ts";

function send(
  port: number,
  options: Omit<Parameters<typeof sendRaw>[0], "port" | "stream"> & {
    /** Sends this many chunks of `chunkBytes` (Transfer-Encoding: chunked), stopping once the answer arrives. */
    chunks?: { count: number; chunkBytes: number; delayMs?: number };
  },
) {
  const { chunks, ...rest } = options;
  return sendRaw({
    port,
    ...rest,
    ...(chunks
      ? { stream: { bytes: chunks.count * chunks.chunkBytes, chunkBytes: chunks.chunkBytes, delayMs: chunks.delayMs } }
      : {}),
  }).then((response) => ({ ...response, bytesSent: response.sent }));
}

function appHost() {
  return new URL(testApp().url).host;
}

let clients = 0;

/** A form post from the app's own page, by a client of its own (behind the trusted proxy) unless `headers` name one. */
function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams(fields).toString();
  clients++;
  return send(testApp().port, {
    method: "POST",
    path,
    body,
    headers: {
      Host: appHost(),
      Origin: testApp().url,
      "Content-Type": "application/x-www-form-urlencoded",
      "Content-Length": String(Buffer.byteLength(body)),
      "X-Forwarded-For": `192.0.2.${clients % 250}`,
      ...headers,
    },
  });
}

describe("1. demo accounts in production", () => {
  const production = {
    NODE_ENV: "production",
    APP_URL: "https://market.example",
    SESSION_SECRET: "a-real-looking-production-session-secret-0123456789",
    STRIPE_SECRET_KEY: "sk_test_realLookingKey123",
    STRIPE_PUBLISHABLE_KEY: "pk_test_realLookingKey123",
    STRIPE_WEBHOOK_SECRET: "whsec_realLookingSecret123",
    STRIPE_API_BASE: "", // the suite's emulator is not for this deployment
    MAIL_DISABLED: "true", // this deployment sends no email (a production start needs SMTP_URL or this)
  };

  it("a production start on an empty database creates no account, and the demo login fails; a demo account stops the next start", async () => {
    const database = await createTestDatabase(inject("databaseAdminUrl"), inject("templateDatabase"));
    const app = await startTestApp({ databaseUrl: database.url, env: production });
    try {
      expect(app.output()).not.toContain("staff-demo-password");
      const login = await send(app.port, {
        method: "POST",
        path: "/login",
        body: "email=staff%40example.com&password=staff-demo-password",
        headers: {
          Host: "market.example",
          Origin: "https://market.example",
          "Content-Type": "application/x-www-form-urlencoded",
        },
      });
      expect(login.status).toBe(401);
      // HSTS in production.
      expect(login.headers["strict-transport-security"]).toMatch(/max-age=31536000/);
      // No development inbox in production, and no local mail server was started.
      for (const path of ["/dev/inbox", "/dev/inbox/anything"]) {
        const inbox = await send(app.port, { method: "GET", path, headers: { Host: "market.example" } });
        expect(inbox.status).toBe(404);
      }
      expect(app.output()).not.toContain("Local mail server");
      const { Client } = await import("pg");
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        expect((await client.query(`SELECT count(*)::int AS n FROM "users"`)).rows[0].n).toBe(0);
        // Someone seeded the demo accounts by hand: the next production start refuses, naming the way out.
        await client.query(
          `INSERT INTO "users" (id, email, name, role, "passwordHash", "updatedAt") VALUES ('u_demo', 'staff@example.com', 'Sam', 'STAFF', 'x', now())`,
        );
      } finally {
        await client.end();
      }
      await app.stop();
      await expect(app.restart()).rejects.toThrow(/demo accounts.*staff@example\.com.*npm run demo:remove/s);
    } finally {
      await app.stop();
      await database.drop();
    }
  }, 120_000);
});

describe("2. parallel logins", () => {
  it("50 simultaneous wrong passwords for one email: at most the limit are verified", async () => {
    const { user } = await createUser({ email: "parallel-http@example.com" });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        formPost("/login", { email: user.email, password: `wrong-${i}` }, { "X-Forwarded-For": "203.0.113.50" }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBe(50 - LOGIN_LIMITS.perAddressAndEmail.points);
    expect(await db().loginAttempt.count({ where: { email: user.email } })).toBeLessThanOrEqual(
      LOGIN_LIMITS.perAddressAndEmail.points,
    );
  });
});

describe("3. client address behind a proxy (the suite's app runs with TRUST_PROXY=1)", () => {
  it("locks out one client's address for an email, not every user behind the proxy, and audits the real address", async () => {
    const { user, password } = await createUser({ email: "proxied@example.com" });
    for (let i = 0; i < LOGIN_LIMITS.perAddressAndEmail.points; i++)
      await formPost("/login", { email: user.email, password: "wrong" }, { "X-Forwarded-For": "203.0.113.5" });
    const attacker = await formPost("/login", { email: user.email, password }, { "X-Forwarded-For": "203.0.113.5" });
    expect(attacker.status).toBe(429);
    // The account's owner, elsewhere behind the same proxy, still logs in; a forged X-Client-IP changes nothing.
    const owner = await formPost(
      "/login",
      { email: user.email, password },
      { "X-Forwarded-For": "198.51.100.7", "X-Client-IP": "203.0.113.5" },
    );
    expect(owner.status).toBe(302);
    const session = await db().session.findFirstOrThrow({ where: { userId: user.id } });
    expect(session.ip).toBe("198.51.100.7");
    const attempts = await db().loginAttempt.findMany({ where: { email: user.email }, select: { ip: true } });
    expect(new Set(attempts.map((a) => a.ip))).toEqual(new Set(["203.0.113.5", "198.51.100.7"]));
  });
});

describe("4. unbounded request bodies", () => {
  const big = { count: 400, chunkBytes: 64 * 1024 }; // 25 MB, chunked: refused long before the end
  it.each([
    ["/api/webhooks/stripe", "application/json"],
    ["/login", "application/x-www-form-urlencoded"],
    ["/signup", "application/x-www-form-urlencoded"],
    ["/creator/products/new", "application/x-www-form-urlencoded"],
  ])("a chunked body without end to %s is refused with 413 and nothing written", async (path, type) => {
    const before = await Promise.all([db().user.count(), db().auditLog.count()]);
    const response = await send(testApp().port, {
      method: "POST",
      path,
      headers: { Host: appHost(), Origin: testApp().url, "Content-Type": type, "Transfer-Encoding": "chunked" },
      chunks: big,
    });
    expect(response.status).toBe(413);
    expect(response.body).toMatch(/too large/);
    expect(response.bytesSent).toBeLessThan(big.count * big.chunkBytes);
    expect(await Promise.all([db().user.count(), db().auditLog.count()])).toEqual(before);
  });

  it("a creator's product upload past its limit (both files plus the fields) is refused with 413, nothing stored", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    const cookie = await sessionCookie(user.id);
    const products = await db().product.count();
    const response = await send(testApp().port, {
      method: "POST",
      path: "/creator/products/new",
      headers: {
        Host: appHost(),
        Origin: testApp().url,
        Cookie: cookie,
        "Content-Type": "multipart/form-data; boundary=x",
        "Transfer-Encoding": "chunked",
      },
      chunks: { count: 2_000, chunkBytes: 64 * 1024 }, // 125 MB of preamble, past the 106 MB limit
    });
    expect(response.status).toBe(413);
    expect(response.bytesSent).toBeLessThan(2_000 * 64 * 1024);
    expect(await db().product.count()).toBe(products);
  }, 60_000);

  it("a declared Content-Length over the limit is refused before a byte is read", async () => {
    const response = await send(testApp().port, {
      method: "POST",
      path: "/login",
      headers: {
        Host: appHost(),
        Origin: testApp().url,
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": "104857600",
      },
      body: "",
    }).catch((error: Error) => ({ status: 0, body: error.message, headers: {}, bytesSent: 0 }));
    expect(response.status).toBe(413);
  });
});

describe("5. open redirect after login", () => {
  it.each([
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example",
    "/.//evil.example",
    "/%2e//evil.example",
  ])("redirectTo %j stays on our site", async (redirectTo) => {
    const { user, password } = await createUser();
    const response = await formPost("/login", { email: user.email, password, redirectTo });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe("/library");
  });

  it("CR/LF in redirectTo never reaches a header, and no session is left behind by an error", async () => {
    const { user, password } = await createUser();
    const response = await formPost("/login", {
      email: user.email,
      password,
      redirectTo: "/library\r\nSet-Cookie: evil=1",
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe("/library");
    expect(String(response.headers["set-cookie"])).not.toContain("evil=1");
    expect(await db().session.count({ where: { userId: user.id } })).toBe(1);
  });
});

describe("7. password hashing", () => {
  it("an old bcrypt hash logs in once and is replaced by Argon2id; bytes after the 72nd count", async () => {
    const { user } = await createUser();
    const long = `${"p".repeat(72)}-tail`;
    await db().user.update({
      where: { id: user.id },
      data: { passwordHash: bcrypt.hashSync("old-bcrypt-password", 4) },
    });
    expect((await formPost("/login", { email: user.email, password: "old-bcrypt-password" })).status).toBe(302);
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toMatch(/^\$argon2id\$/);
    const other = await createUser({ password: long });
    expect((await formPost("/login", { email: other.user.email, password: `${"p".repeat(72)}-else` })).status).toBe(
      401,
    );
    expect((await formPost("/login", { email: other.user.email, password: long })).status).toBe(302);
  });
});

describe("9. origins and hosts", () => {
  it("a form post whose Host is not the public origin's is a 403, not Remix's 500", async () => {
    const response = await formPost("/login", { email: "a@b.c", password: "x" }, { Host: "evil.example" });
    expect(response.status).toBe(403);
  });

  it("Origin: null with a same-origin Referer is a 403", async () => {
    const response = await formPost(
      "/login",
      { email: "a@b.c", password: "x" },
      { Origin: "null", Referer: `${testApp().url}/login` },
    );
    expect(response.status).toBe(403);
  });

  it("an X-Forwarded-Host from the client does not move the allowed origin", async () => {
    const response = await formPost(
      "/login",
      { email: "a@b.c", password: "x" },
      { Origin: "https://evil.example", "X-Forwarded-Host": "evil.example" },
    );
    expect(response.status).toBe(403);
  });
});

describe("10. headers", () => {
  it("every HTML page has a nonce-based CSP that its inline scripts carry, frame-ancestors 'none' and a Referrer-Policy", async () => {
    const page = await send(testApp().port, { path: "/login", headers: { Host: appHost() } });
    expect(page.status).toBe(200);
    const csp = String(page.headers["content-security-policy"]);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const inline = [...page.body.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)];
    expect(inline.length).toBeGreaterThan(0);
    for (const [, attributes] of inline) expect(attributes).toContain(`nonce="${nonce}"`);
    // A new nonce per response.
    const again = await send(testApp().port, { path: "/login", headers: { Host: appHost() } });
    expect(String(again.headers["content-security-policy"])).not.toContain(nonce!);
  });
});

describe("11. slow clients and old data", () => {
  it("a body sent one byte a second is answered 408 at REQUEST_TIMEOUT_MS (3 s here), not held for 5 minutes", async () => {
    const started = Date.now();
    const response = await send(testApp().port, {
      method: "POST",
      path: "/login",
      headers: {
        Host: appHost(),
        Origin: testApp().url,
        "Content-Type": "application/x-www-form-urlencoded",
        "Transfer-Encoding": "chunked",
      },
      chunks: { count: 60, chunkBytes: 1, delayMs: 1_000 },
    });
    expect(response.status).toBe(408);
    expect(response.body).toMatch(/took too long/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("expired sessions, old login attempts and expired limit counters are purged", async () => {
    const { user } = await createUser();
    await db().session.create({ data: { userId: user.id, expiresAt: new Date(Date.now() - 1_000) } });
    const live = await db().session.create({ data: { userId: user.id, expiresAt: new Date(Date.now() + 60_000) } });
    await db().loginAttempt.create({
      data: { email: user.email, ip: "192.0.2.1", succeeded: false, createdAt: new Date(Date.now() - 31 * 86_400_000) },
    });
    await db().rateLimit.create({ data: { key: "login:ip:192.0.2.1", points: 3, expire: BigInt(Date.now() - 1_000) } });
    await db().rejectedWebhook.create({
      data: {
        reason: "old",
        rawBody: Buffer.from("{}"),
        signatureHeader: "t=1",
        receivedAt: new Date(Date.now() - 31 * 86_400_000),
      },
    });
    const oldReset = await db().passwordReset.create({
      data: { userId: user.id, tokenHash: "old-reset", expiresAt: new Date(Date.now() - 31 * 86_400_000) },
    });
    const recentReset = await db().passwordReset.create({
      data: { userId: user.id, tokenHash: "recent-reset", expiresAt: new Date(Date.now() - 86_400_000) },
    });
    await db().devInboxMessage.create({
      data: {
        mailFrom: "a@example.com",
        rcptTo: ["b@example.com"],
        from: "a@example.com",
        to: "b@example.com",
        subject: "old",
        headers: [],
        size: 1,
        receivedAt: new Date(Date.now() - 31 * 86_400_000),
      },
    });
    const purged = await purgeExpiredRecords();
    expect(purged.resets).toBeGreaterThanOrEqual(1);
    expect(purged.inbox).toBeGreaterThanOrEqual(1);
    const resetsLeft = (await db().passwordReset.findMany({ where: { userId: user.id } })).map((r) => r.id);
    expect(resetsLeft).toContain(recentReset.id);
    expect(resetsLeft).not.toContain(oldReset.id);
    expect(purged.sessions).toBeGreaterThanOrEqual(1);
    expect(purged.attempts).toBeGreaterThanOrEqual(1);
    expect(purged.limits).toBeGreaterThanOrEqual(1);
    expect(purged.webhooks).toBeGreaterThanOrEqual(1);
    expect((await db().session.findMany({ where: { userId: user.id } })).map((s) => s.id)).toEqual([live.id]);
  });
});
