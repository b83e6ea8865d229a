// "Forgot password?" through the real routes, the outbox, the queue's worker and SMTP: the link arrives at this file's
// local mail server, works once and for an hour, is stored only as its SHA-256, ends every session of the account,
// and the request answers the same for an email without an account. Rate limits per email and per address.
import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { startWorkers } from "#app/jobs/workers.server.ts";
import { verifyLogin } from "#app/domain/users.server.ts";
import { RESET_LIMITS } from "#app/domain/password-reset.server.ts";
import { action as forgotAction } from "#app/routes/_auth+/forgot-password.tsx";
import { action as resetAction, loader as resetLoader } from "#app/routes/_auth+/reset-password.$token.tsx";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { deliveries, waitForDeliveries } from "#tests/helpers/mail.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";

beforeAll(async () => {
  await startWorkers();
});

let address = 0;
/** A client address of its own per test, so one test's requests never count against another's limit. */
function newAddress() {
  address += 1;
  return `198.51.100.${address}`;
}

async function askForReset(email: string, ip: string) {
  const response = await callRoute(forgotAction, formRequest("/forgot-password", { email }, { ip }));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The token of the newest reset email to `email` (waiting for the `count`th to arrive). */
async function tokenFromEmail(email: string, count = 1) {
  const received = await waitForDeliveries(email, count);
  const message = received.at(-1)!;
  const link = new RegExp(`${env().APP_URL}/reset-password/([A-Za-z0-9_-]+)`).exec(message.text ?? "");
  expect(link, "the text part carries the link").not.toBeNull();
  expect(message.html).toContain(`${env().APP_URL}/reset-password/${link![1]}`);
  return link![1]!;
}

async function openLink(token: string) {
  const response = await callRoute(resetLoader, getRequest(`/reset-password/${token}`), { token });
  return { status: response.status, body: (await response.json()) as { valid: boolean } };
}

async function setPassword(token: string, password: string, confirm = password) {
  const response = await callRoute(
    resetAction,
    formRequest(`/reset-password/${token}`, { password, confirm }, { ip: newAddress() }),
    { token },
  );
  const body = response.headers.get("location") ? null : ((await response.json()) as Record<string, unknown>);
  return { status: response.status, location: response.headers.get("location"), body };
}

describe("asking for a reset", () => {
  it("emails a link whose token is stored only as its SHA-256, good for an hour", async () => {
    const { user } = await createUser();
    const before = Date.now();
    const answer = await askForReset(user.email.toUpperCase(), newAddress());
    expect(answer.status).toBe(200);
    expect(answer.body.sent).toBe(true);
    const token = await tokenFromEmail(user.email);
    const [message] = await deliveries(user.email);
    expect(message!.subject).toBe("Reset your Makers Market password");

    const [reset, ...others] = await db().passwordReset.findMany({ where: { userId: user.id } });
    expect(others).toHaveLength(0);
    expect(reset!.tokenHash).toBe(crypto.createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(reset)).not.toContain(token);
    expect(reset!.expiresAt.getTime() - before).toBeGreaterThan(59 * 60_000);
    expect(reset!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    expect((await openLink(token)).status).toBe(200);
  });

  it("answers an email without an account exactly as one with, and sends nothing", async () => {
    const { user } = await createUser();
    const known = await askForReset(user.email, newAddress());
    const unknown = await askForReset("nobody-here@example.com", newAddress());
    expect(unknown.status).toBe(known.status);
    expect({ ...unknown.body, email: "x" }).toEqual({ ...known.body, email: "x" });
    await waitForDeliveries(user.email);
    expect(await deliveries("nobody-here@example.com")).toHaveLength(0);
    expect(await db().email.count({ where: { to: "nobody-here@example.com" } })).toBe(0);
  });

  it("refuses an address that is not one with a 400 and sends nothing", async () => {
    const before = await db().email.count();
    for (const email of ["", "not-an-email", `${"a".repeat(250)}@example.com`]) {
      const answer = await askForReset(email, newAddress());
      expect(answer.status).toBe(400);
      expect(answer.body.fieldErrors).toHaveProperty("email");
    }
    expect(await db().email.count()).toBe(before);
  });

  it("is limited per email (known or not) and per address, with a 429 that sends nothing more", async () => {
    const { user } = await createUser();
    for (let i = 0; i < RESET_LIMITS.perEmail.points; i++)
      expect((await askForReset(user.email, newAddress())).status).toBe(200);
    const refused = await askForReset(user.email, newAddress());
    expect(refused.status).toBe(429);
    expect(refused.body.formError).toMatch(/Too many reset requests/);
    // The same limit for an email without an account: the refusal tells nothing about accounts either.
    for (let i = 0; i < RESET_LIMITS.perEmail.points; i++)
      expect((await askForReset("ghost@example.com", newAddress())).status).toBe(200);
    expect((await askForReset("ghost@example.com", newAddress())).status).toBe(429);
    await waitForDeliveries(user.email, RESET_LIMITS.perEmail.points);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await deliveries(user.email)).toHaveLength(RESET_LIMITS.perEmail.points);

    const ip = newAddress();
    for (let i = 0; i < RESET_LIMITS.perAddress.points; i++)
      expect((await askForReset(`someone${i}@example.com`, ip)).status).toBe(200);
    expect((await askForReset("someone-else@example.com", ip)).status).toBe(429);
  });
});

describe("using the link", () => {
  it("sets the new password, ends every session, and works only once", async () => {
    const { user, password: oldPassword } = await createUser();
    await sessionCookie(user.id);
    await sessionCookie(user.id);
    expect(await db().session.count({ where: { userId: user.id } })).toBe(2);
    await askForReset(user.email, newAddress());
    const token = await tokenFromEmail(user.email);

    const done = await setPassword(token, "a brand new password");
    expect(done.status).toBe(303);
    expect(done.location).toBe("/login?reset=1");
    expect(await db().session.count({ where: { userId: user.id } })).toBe(0);
    expect(await verifyLogin(user.email, oldPassword, "127.0.0.1")).toBeNull();
    expect((await verifyLogin(user.email, "a brand new password", "127.0.0.1"))?.id).toBe(user.id);
    const audit = await db().auditLog.findFirstOrThrow({ where: { action: "user.password_reset", entityId: user.id } });
    expect(audit.data).toEqual({ sessionsEnded: 2 });

    // The same link again: gone, and the password stays the new one.
    const hash = (await db().user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash;
    expect(await openLink(token)).toEqual({ status: 410, body: { valid: false } });
    const again = await setPassword(token, "an attacker's password");
    expect(again.status).toBe(410);
    expect(again.body?.expired).toBe(true);
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBe(hash);
  });

  it("stops working after its hour", async () => {
    const { user, password } = await createUser();
    await askForReset(user.email, newAddress());
    const token = await tokenFromEmail(user.email);
    // A minute left: still good.
    await db().passwordReset.updateMany({
      where: { userId: user.id },
      data: { expiresAt: new Date(Date.now() + 60_000) },
    });
    expect((await openLink(token)).status).toBe(200);
    // The hour is over.
    await db().passwordReset.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect((await openLink(token)).status).toBe(410);
    expect((await setPassword(token, "too late for this")).status).toBe(410);
    expect((await verifyLogin(user.email, password, "127.0.0.1"))?.id).toBe(user.id);
  });

  it("spends the account's other open links when one is used", async () => {
    const { user } = await createUser();
    await askForReset(user.email, newAddress());
    const first = await tokenFromEmail(user.email, 1);
    await askForReset(user.email, newAddress());
    const second = await tokenFromEmail(user.email, 2);
    expect(second).not.toBe(first);
    expect((await setPassword(second, "the second link's password")).status).toBe(303);
    expect((await openLink(first)).status).toBe(410);
    expect((await setPassword(first, "the first link's password")).status).toBe(410);
  });

  it("refuses a short or mismatched password with a 400 that keeps the link, and a made-up token with a 410", async () => {
    const { user, password } = await createUser();
    await askForReset(user.email, newAddress());
    const token = await tokenFromEmail(user.email);
    const short = await setPassword(token, "short");
    expect(short.status).toBe(400);
    expect(short.body?.fieldErrors).toHaveProperty("password");
    const mismatch = await setPassword(token, "a long enough password", "a different password");
    expect(mismatch.status).toBe(400);
    expect(mismatch.body?.fieldErrors).toHaveProperty("confirm");
    expect(JSON.stringify([short.body, mismatch.body])).not.toContain("a long enough password");
    expect((await openLink(token)).status).toBe(200);
    expect((await verifyLogin(user.email, password, "127.0.0.1"))?.id).toBe(user.id);

    for (const madeUp of ["nope", "A".repeat(43), "../../etc/passwd", "x".repeat(5000)]) {
      expect((await openLink(madeUp)).status).toBe(410);
      expect((await setPassword(madeUp, "a long enough password")).status).toBe(410);
    }
  });
});
