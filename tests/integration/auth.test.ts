import { describe, expect, it } from "vitest";
import { action as signupAction } from "#app/routes/_auth+/signup.tsx";
import { action as loginAction } from "#app/routes/_auth+/login.tsx";
import { action as logoutAction } from "#app/routes/_auth+/logout.tsx";
import { loader as staffLoader } from "#app/routes/staff+/_index.tsx";
import { loader as creatorLoader } from "#app/routes/creator+/_index.tsx";
import { loader as libraryLoader } from "#app/routes/_library+/library.tsx";
import { loader as healthLoader } from "#app/routes/_ops+/healthz.ts";
import bcrypt from "bcryptjs";
import { limitAddress, LOGIN_LIMITS, SIGNUP_LIMIT } from "#app/domain/users.server.ts";
import { db } from "#app/utils/db.server.ts";
import { getUser, safeRedirect } from "#app/utils/auth.server.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";

const validSignup = {
  name: "Ada Lovelace",
  email: "ada@example.com",
  password: "analytical-engine",
  accountType: "BUYER",
};

async function counts() {
  return { users: await db().user.count(), sessions: await db().session.count(), audit: await db().auditLog.count() };
}

describe("sign up", () => {
  it.each([
    [{ name: "" }, "name", "Enter your name"],
    [{ name: "x".repeat(81) }, "name", "Use at most 80 characters"],
    [{ email: "not-an-email" }, "email", "Enter a valid email address"],
    [{ email: "" }, "email", "Enter a valid email address"],
    [{ password: "short" }, "password", "Use at least 10 characters"],
    [{ accountType: "STAFF" }, "accountType", "Choose whether you want to buy or sell"],
    [{ accountType: "" }, "accountType", "Choose whether you want to buy or sell"],
  ])("rejects %o with a clear message and writes nothing", async (override, field, message) => {
    const before = await counts();
    const response = await callRoute(signupAction, formRequest("/signup", { ...validSignup, ...override }));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.fieldErrors[field]).toBe(message);
    expect(JSON.stringify(body)).not.toContain(validSignup.password);
    expect(await counts()).toEqual(before);
  });

  it("creates a buyer, a session and an audit row, then redirects to the library", async () => {
    const response = await callRoute(signupAction, formRequest("/signup", validSignup));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/library");
    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/__session=.+HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const user = await db().user.findUniqueOrThrow({ where: { email: "ada@example.com" } });
    expect(user.role).toBe("BUYER");
    expect(user.passwordHash).not.toContain("analytical");
    const signedIn = await getUser(getRequest("/", { cookie: cookie.split(";")[0] }));
    expect(signedIn?.id).toBe(user.id);
    const auditRow = await db().auditLog.findFirstOrThrow({ where: { entityId: user.id } });
    expect(auditRow.action).toBe("user.signed_up");
  });

  it("gives a creator a creator account", async () => {
    const response = await callRoute(
      signupAction,
      formRequest("/signup", { ...validSignup, email: "maker@example.com", accountType: "CREATOR" }),
    );
    expect(response.headers.get("Location")).toBe("/creator");
    const user = await db().user.findUniqueOrThrow({
      where: { email: "maker@example.com" },
      include: { creatorAccount: true },
    });
    expect(user.role).toBe("CREATOR");
    expect(user.creatorAccount?.onboardingStatus).toBe("NOT_STARTED");
  });

  it("refuses an email that is taken, case-insensitively", async () => {
    await createUser({ email: "taken@example.com" });
    const before = await counts();
    const response = await callRoute(
      signupAction,
      formRequest("/signup", { ...validSignup, email: "TAKEN@example.com" }),
    );
    expect(response.status).toBe(409);
    expect((await response.json()).fieldErrors.email).toMatch(/already exists/);
    expect(await counts()).toEqual(before);
  });
});

describe("log in and out", () => {
  it("rejects missing fields with messages and writes no session", async () => {
    const before = await counts();
    const response = await callRoute(loginAction, formRequest("/login", { email: "nope", password: "" }));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.fieldErrors).toEqual({ email: "Enter a valid email address", password: "Enter your password" });
    expect(await counts()).toEqual(before);
  });

  it("rejects a wrong password without saying which part was wrong", async () => {
    const { user } = await createUser({ email: "wrongpw@example.com" });
    const response = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password: "not the password" }),
    );
    expect(response.status).toBe(401);
    expect((await response.json()).formError).toBe("That email and password don't match an account.");
    expect(await db().session.count({ where: { userId: user.id } })).toBe(0);
  });

  it("logs in, honours a same-site redirectTo, ignores an off-site one, and logs out", async () => {
    const { user, password } = await createUser({ email: "ok@example.com" });
    const good = await callRoute(
      loginAction,
      formRequest("/login", { email: "OK@example.com", password, redirectTo: "/library?x=1" }),
    );
    expect(good.status).toBe(302);
    expect(good.headers.get("Location")).toBe("/library?x=1");
    const evil = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password, redirectTo: "//evil.example" }),
    );
    expect(evil.headers.get("Location")).toBe("/library");

    const cookie = good.headers.get("Set-Cookie")!.split(";")[0]!;
    expect((await getUser(getRequest("/", { cookie })))?.id).toBe(user.id);
    const out = await callRoute(logoutAction, formRequest("/logout", {}, { cookie }));
    expect(out.status).toBe(302);
    // The database session is gone, so the old cookie no longer signs anyone in.
    expect(await getUser(getRequest("/", { cookie }))).toBeNull();
  });

  it("limits failed logins per email: the sixth try is refused even with the right password", async () => {
    const { user, password } = await createUser({ email: "limited@example.com" });
    for (let i = 0; i < 5; i++) {
      const r = await callRoute(loginAction, formRequest("/login", { email: user.email, password: `wrong-${i}` }));
      expect(r.status).toBe(401);
    }
    const blocked = await callRoute(loginAction, formRequest("/login", { email: user.email, password }));
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).formError).toMatch(/Too many failed attempts/);
    // Another account from another address is unaffected.
    const other = await createUser({ email: "other@example.com" });
    const fine = await callRoute(
      loginAction,
      formRequest("/login", { email: other.user.email, password: other.password }, { ip: "10.9.9.9" }),
    );
    expect(fine.status).toBe(302);
  });
});

describe("login limits and password hashing", () => {
  it("checks at most the limit's passwords when 50 wrong logins for one email arrive at once", async () => {
    const { user, password } = await createUser({ email: "parallel@example.com" });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        callRoute(
          loginAction,
          formRequest("/login", { email: user.email, password: `wrong-${i}` }, { ip: "10.1.1.1" }),
        ),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_LIMITS.perAddressAndEmail.points);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50 - LOGIN_LIMITS.perAddressAndEmail.points);
    // Every password check is recorded: no more than the limit ran.
    expect(await db().loginAttempt.count({ where: { email: user.email } })).toBe(
      LOGIN_LIMITS.perAddressAndEmail.points,
    );
    // The lock-out is for that address and email only: the owner logs in from home.
    const owner = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password }, { ip: "10.2.2.2" }),
    );
    expect(owner.status).toBe(302);
    const blocked = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password }, { ip: "10.1.1.1" }),
    );
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).formError).toMatch(/Try again in 15 minutes/);
  });

  it("counts an IPv6 client by its /64, so rotating addresses inside it gets no more tries", async () => {
    const { user } = await createUser({ email: "ipv6@example.com" });
    for (let i = 1; i <= 5; i++) {
      const r = await callRoute(
        loginAction,
        formRequest("/login", { email: user.email, password: "wrong" }, { ip: `2001:db8::${i}` }),
      );
      expect(r.status).toBe(401);
    }
    const sameNetwork = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password: "wrong" }, { ip: "2001:db8:0:0:ffff::abcd" }),
    );
    expect(sameNetwork.status).toBe(429);
    const otherNetwork = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password: "wrong" }, { ip: "2001:db8:0:1::1" }),
    );
    expect(otherNetwork.status).toBe(401);
  });

  it.each([
    ["203.0.113.9", "203.0.113.9"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:DB8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
  ])("keys limits of %s on %s", (ip, key) => {
    expect(limitAddress(ip)).toBe(key);
  });

  it("backs off: the second lock-out of a day lasts twice as long", async () => {
    const { user } = await createUser({ email: "backoff@example.com" });
    const key = `login:ip+email:10.3.3.3|${user.email}`;
    const tryWrong = () =>
      callRoute(loginAction, formRequest("/login", { email: user.email, password: "wrong" }, { ip: "10.3.3.3" }));
    for (let i = 0; i < 5; i++) expect((await tryWrong()).status).toBe(401);
    expect((await tryWrong()).status).toBe(429);
    // The first lock-out ends (its row expires); five more failures lock the pair again, for 30 minutes now.
    await db().rateLimit.update({ where: { key }, data: { expire: BigInt(Date.now() - 1) } });
    for (let i = 0; i < 5; i++) expect((await tryWrong()).status).toBe(401);
    const second = await tryWrong();
    expect((await second.json()).formError).toMatch(/Try again in 30 minutes/);
  });

  it("verifies an old bcrypt hash once, then stores Argon2id", async () => {
    const { user } = await createUser({ email: "legacy@example.com" });
    await db().user.update({ where: { id: user.id }, data: { passwordHash: bcrypt.hashSync("legacy password!", 4) } });
    const login = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password: "legacy password!" }),
    );
    expect(login.status).toBe(302);
    const after = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.passwordHash).toMatch(/^\$argon2id\$/);
    const again = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password: "legacy password!" }),
    );
    expect(again.status).toBe(302);
  });

  it("tells apart passwords that differ only after byte 72", async () => {
    const password = `${"a".repeat(72)}-the-real-end`;
    const { user } = await createUser({ email: "long@example.com", password });
    const wrong = await callRoute(
      loginAction,
      formRequest("/login", { email: user.email, password: `${"a".repeat(72)}-another-end` }),
    );
    expect(wrong.status).toBe(401);
    const right = await callRoute(loginAction, formRequest("/login", { email: user.email, password }));
    expect(right.status).toBe(302);
  });

  it("answers a taken email with 409, and limits sign-ups per address", async () => {
    await createUser({ email: "taken-before@example.com" });
    const taken = await callRoute(
      signupAction,
      formRequest("/signup", { ...validSignup, email: "taken-before@example.com" }, { ip: "10.4.4.4" }),
    );
    expect(taken.status).toBe(409);
    for (let i = 1; i < SIGNUP_LIMIT.points; i++)
      await callRoute(
        signupAction,
        formRequest("/signup", { ...validSignup, email: "taken-before@example.com" }, { ip: "10.4.4.4" }),
      );
    const limited = await callRoute(
      signupAction,
      formRequest("/signup", { ...validSignup, email: "new@example.com" }, { ip: "10.4.4.4" }),
    );
    expect(limited.status).toBe(429);
    expect((await limited.json()).formError).toMatch(/Too many sign-ups/);
    expect(await db().user.count({ where: { email: "new@example.com" } })).toBe(0);
  });

  it.each([
    ["/library?x=1#top", "/library?x=1#top"],
    ["//evil.example", "/home"],
    ["/\t/evil.example", "/home"],
    ["/%09/evil.example", "/%09/evil.example"],
    ["/\\evil.example", "/home"],
    ["/ok\r\nSet-Cookie: x=1", "/home"],
    ["https://evil.example/", "/home"],
    ["/../../etc", "/etc"],
    ["/.//evil.example", "/home"],
    ["/a/..//evil.example", "/home"],
    ["/%2e//evil.example", "/home"],
  ])("resolves redirectTo %j to %j", (to, expected) => {
    expect(safeRedirect(to, "/home")).toBe(expected);
  });
});

describe("role checks", () => {
  it("sends anonymous visitors to the login page with a way back", async () => {
    const response = await callRoute(staffLoader, getRequest("/staff"));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Fstaff");
  });

  it("answers 403 when a buyer opens staff or creator pages", async () => {
    const { user } = await createUser({ role: "BUYER" });
    const cookie = await sessionCookie(user.id);
    for (const [loader, path] of [
      [staffLoader, "/staff"],
      [creatorLoader, "/creator"],
    ] as const) {
      const response = await callRoute(loader, getRequest(path, { cookie }));
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/only for/);
    }
    expect((await callRoute(libraryLoader, getRequest("/library", { cookie }))).status).toBe(200);
  });

  it("lets staff into the staff console", async () => {
    const { user } = await createUser({ role: "STAFF" });
    const response = await callRoute(staffLoader, getRequest("/staff", { cookie: await sessionCookie(user.id) }));
    expect(response.status).toBe(200);
  });

  it("ignores an expired session", async () => {
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    await db().session.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await getUser(getRequest("/", { cookie }))).toBeNull();
  });
});

describe("health and the audit log", () => {
  it("reports the database in /healthz", async () => {
    const response = await callRoute(healthLoader, getRequest("/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: { ok: true } });
  });

  it("keeps the audit log append-only at the database level", async () => {
    const row = await db().auditLog.create({
      data: { actorType: "SYSTEM", action: "test.row", entityType: "test", entityId: "1" },
    });
    await expect(db().auditLog.update({ where: { id: row.id }, data: { action: "tampered" } })).rejects.toThrow(
      /append-only/,
    );
    await expect(db().auditLog.delete({ where: { id: row.id } })).rejects.toThrow(/append-only/);
    expect((await db().auditLog.findUniqueOrThrow({ where: { id: row.id } })).action).toBe("test.row");
  });

  it("refuses money that breaks the rules, even from a buggy caller", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    const creator = await db().creatorAccount.create({
      data: { userId: user.id, displayName: "C", slug: `c-${user.id}` },
    });
    const product = await db().product.create({ data: { creatorId: creator.id, title: "P", slug: `p-${user.id}` } });
    await expect(db().price.create({ data: { productId: product.id, amount: -1, currency: "usd" } })).rejects.toThrow();
    await expect(
      db().price.create({ data: { productId: product.id, amount: 100, currency: "USD" } }),
    ).rejects.toThrow();
    await expect(
      db().price.create({ data: { productId: product.id, amount: 100, currency: "usd" } }),
    ).resolves.toBeTruthy();
  });
});
