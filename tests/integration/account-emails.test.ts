// Account emails through the real routes, the outbox, the queue's worker and SMTP (this file's local mail server):
// the verification link emailed at sign-up (stored as its SHA-256, single-use, a day long, sent again on request within
// limits), what an unconfirmed account may do (browse and buy, not publish), and moving an account to a new address
// (a link to the new address that makes the change, a notice to the old one, sessions kept).
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_EMAIL_LIMITS, UNVERIFIED_CANNOT_PUBLISH } from "#app/domain/account-email.server.ts";
import { verifyLogin } from "#app/domain/users.server.ts";
import { startWorkers } from "#app/jobs/workers.server.ts";
import { loader as rootLoader } from "#app/root.tsx";
import { action as signupAction } from "#app/routes/_auth+/signup.tsx";
import { action as linkAction, loader as linkLoader } from "#app/routes/_auth+/verify-email.$token.tsx";
import { action as editAction, loader as editLoader } from "#app/routes/creator+/products.$productId.tsx";
import { action as settingsAction, loader as settingsLoader } from "#app/routes/settings+/_index.tsx";
import { getUser } from "#app/utils/auth.server.ts";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { buyThroughCheckout, onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { deliveries, waitForDeliveries, type Delivery } from "#tests/helpers/mail.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
beforeAll(async () => {
  await startWorkers();
  stripeEnv = await startTestStripe();
});
afterAll(async () => stripeEnv?.stop());

let sequence = 0;
/** A client address of its own per call, so one test's requests never count against another's limit. */
function newAddress() {
  sequence += 1;
  return `203.0.113.${sequence}`;
}
function newEmail(label: string) {
  sequence += 1;
  return `${label}-${sequence}-${Date.now()}@example.com`;
}

async function signUp(input: { email: string; accountType: "BUYER" | "CREATOR" }) {
  const response = await callRoute(
    signupAction,
    formRequest(
      "/signup",
      {
        name: "Robin Newcomer",
        email: input.email,
        password: "a-long-enough-password",
        accountType: input.accountType,
      },
      { ip: newAddress() },
    ),
  );
  expect(response.status).toBe(302);
  const cookie = response.headers.get("Set-Cookie")!.split(";")[0]!;
  const user = await db().user.findUniqueOrThrow({ where: { email: input.email.toLowerCase() } });
  return { user, cookie };
}

const LINK = () => new RegExp(`${env().APP_URL}/verify-email/([A-Za-z0-9_-]{43})`);

/** The token in an emailed link (the same in the text and the HTML part). */
function tokenIn(message: Delivery) {
  const match = LINK().exec(message.text ?? "");
  expect(match, "the text part carries the link").not.toBeNull();
  expect(message.html).toContain(`${env().APP_URL}/verify-email/${match![1]}`);
  return match![1]!;
}

async function openLink(token: string, cookie?: string) {
  const response = await callRoute(linkLoader, getRequest(`/verify-email/${token}`, { cookie }), { token });
  return { status: response.status, body: (await response.json()) as { link: Record<string, string> | null } };
}

async function followLink(token: string, cookie?: string) {
  const response = await callRoute(linkAction, formRequest(`/verify-email/${token}`, {}, { cookie }), { token });
  const location = response.headers.get("Location");
  return {
    status: response.status,
    location,
    body: location
      ? null
      : ((await response.json()) as { done: { purpose: string; email: string } | null; formError: string | null }),
  };
}

async function settings(cookie: string, fields: Record<string, string>, ip = newAddress()) {
  const response = await callRoute(settingsAction, formRequest("/settings", fields, { cookie, ip }));
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & { fieldErrors: Record<string, string> },
  };
}

async function rootData(cookie: string) {
  return (await (await callRoute(rootLoader, getRequest("/", { cookie }))).json()) as {
    unverifiedEmail: string | null;
  };
}

describe("verifying the address at sign-up", () => {
  it("emails a link whose token is stored only as its SHA-256; opening it asks, following it confirms, once", async () => {
    const email = newEmail("newcomer");
    const before = Date.now();
    const { user, cookie } = await signUp({ email: email.toUpperCase(), accountType: "BUYER" });
    expect(user.email).toBe(email);
    expect(user.emailVerifiedAt).toBeNull();
    const [message, ...more] = await waitForDeliveries(user.email);
    expect(more).toHaveLength(0);
    expect(message!.subject).toBe("Confirm your email for Makers Market");
    expect(message!.text).toContain("Hi Robin Newcomer");
    expect(message!.text).toContain("for 24 hours");
    const token = tokenIn(message!);

    const [row, ...others] = await db().emailToken.findMany({ where: { userId: user.id } });
    expect(others).toHaveLength(0);
    expect(row).toMatchObject({ purpose: "VERIFY", email: user.email, usedAt: null });
    expect(row!.tokenHash).toBe(crypto.createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row!.expiresAt.getTime() - before).toBeGreaterThan(23.9 * 60 * 60_000);
    expect(row!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(24 * 60 * 60_000);

    // Every page reminds the new account; the settings page says "Not confirmed".
    expect((await rootData(cookie)).unverifiedEmail).toBe(user.email);
    const page = await (await callRoute(settingsLoader, getRequest("/settings", { cookie }))).json();
    expect(page).toMatchObject({ email: user.email, verified: false });

    // Opening the link (a person, or a mail scanner) changes nothing.
    const opened = await openLink(token);
    expect(opened.status).toBe(200);
    expect(opened.body.link).toMatchObject({ purpose: "VERIFY", email: user.email });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeNull();

    const followed = await followLink(token, cookie);
    expect(followed.status).toBe(303);
    expect(followed.location).toBe("/settings?done=verified");
    const verified = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(verified.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await rootData(cookie)).unverifiedEmail).toBeNull();
    expect(await db().auditLog.count({ where: { entityId: user.id, action: "user.email_verified" } })).toBe(1);

    // Spent: the page and the button both answer 410.
    expect((await openLink(token)).status).toBe(410);
    const again = await followLink(token, cookie);
    expect(again.status).toBe(410);
    expect(again.body!.formError).toMatch(/expired or was already used/);
  });

  it("confirms from another browser (no session) and says so on the page", async () => {
    const { user } = await signUp({ email: newEmail("elsewhere"), accountType: "CREATOR" });
    const token = tokenIn((await waitForDeliveries(user.email))[0]!);
    const followed = await followLink(token);
    expect(followed.status).toBe(200);
    expect(followed.body!.done).toEqual({ purpose: "VERIFY", email: user.email });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeInstanceOf(Date);
  });

  it("refuses a link past its day, and a malformed one, with a 410 and no change", async () => {
    const { user } = await signUp({ email: newEmail("late"), accountType: "BUYER" });
    const token = tokenIn((await waitForDeliveries(user.email))[0]!);
    await db().emailToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await openLink(token)).status).toBe(410);
    expect((await followLink(token)).status).toBe(410);
    for (const bad of ["short", "x".repeat(43), `${token.slice(0, 42)}!`]) {
      expect((await openLink(bad)).status).toBe(410);
      expect((await followLink(bad)).status).toBe(410);
    }
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeNull();
  });

  it("sends the link again on request, 3 times an hour per account, and nothing once confirmed", async () => {
    const { user, cookie } = await signUp({ email: newEmail("resend"), accountType: "BUYER" });
    await waitForDeliveries(user.email, 1);
    for (let i = 1; i <= ACCOUNT_EMAIL_LIMITS.resendPerUser.points; i++) {
      const sent = await settings(cookie, { intent: "resend-verification" });
      expect(sent.status).toBe(200);
      expect(sent.body.message).toBe(`We sent a new link to ${user.email}. It works for 24 hours.`);
    }
    const refused = await settings(cookie, { intent: "resend-verification" });
    expect(refused.status).toBe(429);
    expect(refused.body.formError).toMatch(/^Too many verification emails\. .*Try again in (59|60) minutes\.$/);
    const received = await waitForDeliveries(user.email, 1 + ACCOUNT_EMAIL_LIMITS.resendPerUser.points);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await deliveries(user.email)).toHaveLength(4);
    // Each is its own link, and any one of them confirms (the others are spent with it).
    const tokens = new Set(received.map(tokenIn));
    expect(tokens.size).toBe(4);
    const [first, ...rest] = [...tokens];
    expect((await followLink(first!)).status).toBe(200);
    for (const token of rest) expect((await openLink(token)).status).toBe(410);

    const verifiedUser = await createUser();
    const nothing = await settings(await sessionCookie(verifiedUser.user.id), { intent: "resend-verification" });
    expect(nothing.body.message).toBe("Your email address is already confirmed.");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await deliveries(verifiedUser.user.email)).toHaveLength(0);
  });

  it("needs a signed-in account to ask for a link again", async () => {
    const response = await callRoute(settingsAction, formRequest("/settings", { intent: "resend-verification" }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Fsettings");
  });
});

describe("what an unconfirmed account may do", () => {
  it("buys: checkout, payment and the receipt work before the address is confirmed", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id, { amount: 1500, currency: "usd" });
    const { user } = await signUp({ email: newEmail("buyer"), accountType: "BUYER" });
    await buyThroughCheckout(stripeEnv, user, product.id);
    const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id } });
    expect(order.status).toBe("PAID");
    const received = await waitForDeliveries(user.email, 2);
    expect(received.map((m) => m.subject).sort()).toEqual(
      ["Confirm your email for Makers Market", expect.stringContaining(`#${order.number}`)].sort(),
    );
  });

  it("does not publish: the product page says why with a resend button, and publishing works once confirmed", async () => {
    const { user, cookie } = await signUp({ email: newEmail("maker"), accountType: "CREATOR" });
    await db().creatorAccount.update({
      where: { userId: user.id },
      data: { chargesEnabled: true, onboardingStatus: "ACTIVE" },
    });
    const creator = await db().creatorAccount.findUniqueOrThrow({ where: { userId: user.id } });
    const product = await db().product.create({
      data: {
        creatorId: creator.id,
        title: "Field Notes",
        slug: `field-notes-${user.id}`,
        deliverablePath: "deliverables/field-notes.pdf",
        deliverableName: "field-notes.pdf",
        prices: { create: { amount: 900, currency: "usd" } },
      },
    });
    const page = await (
      await callRoute(editLoader, getRequest(`/creator/products/${product.id}`, { cookie }), { productId: product.id })
    ).json();
    expect(page.unverifiedEmail).toBe(user.email);

    const publish = () =>
      callRoute(editAction, formRequest(`/creator/products/${product.id}`, { intent: "publish" }, { cookie }), {
        productId: product.id,
      });
    const refused = await publish();
    expect(refused.status).toBe(403);
    expect((await refused.json()).formError).toBe(UNVERIFIED_CANNOT_PUBLISH);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).published).toBe(false);
    expect(await db().auditLog.count({ where: { entityId: product.id, action: "product.published" } })).toBe(0);

    // The notice's button sends a new link; following it lets the product go on sale.
    expect((await settings(cookie, { intent: "resend-verification" })).status).toBe(200);
    const received = await waitForDeliveries(user.email, 2);
    expect((await followLink(tokenIn(received[1]!), cookie)).status).toBe(303);
    const ok = await publish();
    expect(ok.status).toBe(302);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).published).toBe(true);
    const after = await (
      await callRoute(editLoader, getRequest(`/creator/products/${product.id}`, { cookie }), { productId: product.id })
    ).json();
    expect(after.unverifiedEmail).toBeNull();
  });
});

describe("changing the email address", () => {
  async function verifiedAccount() {
    const { user, password } = await createUser({ email: newEmail("mover") });
    const cookie = await sessionCookie(user.id);
    const other = await sessionCookie(user.id);
    return { user, password, cookie, other };
  }

  it("refuses bad input with a 4xx naming the field, and sends nothing", async () => {
    const { user, password, cookie } = await verifiedAccount();
    const taken = await createUser();
    const cases: [Record<string, string>, number, string, string][] = [
      [{ newEmail: "not-an-email", password }, 400, "newEmail", "Enter a valid email address"],
      [{ newEmail: "", password }, 400, "newEmail", "Enter a valid email address"],
      [{ newEmail: newEmail("x"), password: "" }, 400, "password", "Enter your current password"],
      [{ newEmail: newEmail("x"), password: "wrong password" }, 400, "password", "That is not your current password."],
      [{ newEmail: user.email.toUpperCase(), password }, 400, "newEmail", "That is already your email address."],
      [{ newEmail: taken.user.email, password }, 409, "newEmail", "Another account already uses this email."],
    ];
    for (const [fields, status, field, message] of cases) {
      const answer = await settings(cookie, { intent: "change-email", ...fields });
      expect(answer.status, JSON.stringify(fields)).toBe(status);
      expect(answer.body.fieldErrors[field]).toBe(message);
      expect(JSON.stringify(answer.body)).not.toContain("wrong password");
    }
    const unknown = await settings(cookie, { intent: "delete-everything" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.formError).toBe("Unknown action.");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await deliveries(user.email)).toHaveLength(0);
    expect(await db().emailToken.count({ where: { userId: user.id } })).toBe(0);
  });

  it("sends a link to the new address and a notice to the old; following it moves the account and keeps sessions", async () => {
    const { user, password, cookie, other } = await verifiedAccount();
    const target = newEmail("moved");
    const asked = await settings(cookie, { intent: "change-email", newEmail: target.toUpperCase(), password });
    expect(asked.status).toBe(200);
    expect(asked.body.message).toBe(
      `Almost done: follow the link we sent to ${target} within an hour. Until then you keep ${user.email}.`,
    );

    const [confirmation, ...moreNew] = await waitForDeliveries(target);
    const [notice, ...moreOld] = await waitForDeliveries(user.email);
    expect(moreNew).toHaveLength(0);
    expect(moreOld).toHaveLength(0);
    expect(confirmation!.subject).toBe("Confirm your new email for Makers Market");
    expect(confirmation!.text).toContain(`from ${user.email} to ${target}`);
    expect(confirmation!.text).toContain("for 1 hour");
    expect(notice!.subject).toBe("Your Makers Market email is being changed");
    expect(notice!.text).toContain(`from ${user.email} to ${target}`);
    expect(notice!.text).toContain(`${env().APP_URL}/forgot-password`);
    expect(LINK().test(notice!.text ?? ""), "the old address never gets the link").toBe(false);
    expect(LINK().test(notice!.html ?? "")).toBe(false);

    // Nothing changes until the link is followed; the settings page shows what is pending.
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    const page = await (await callRoute(settingsLoader, getRequest("/settings", { cookie }))).json();
    expect(page).toMatchObject({ email: user.email, pendingEmail: target });
    expect(await verifyLogin(target, password, "127.0.0.1")).toBeNull();

    const token = tokenIn(confirmation!);
    const opened = await openLink(token);
    expect(opened.body.link).toMatchObject({ purpose: "CHANGE", email: target, currentEmail: user.email });
    const followed = await followLink(token, cookie);
    expect(followed.location).toBe("/settings?done=changed");

    const moved = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(moved.email).toBe(target);
    expect(moved.emailVerifiedAt!.getTime()).toBeGreaterThan(user.emailVerifiedAt!.getTime());
    // Both sessions stay, now showing the new address; the password logs in with the new email only.
    for (const session of [cookie, other])
      expect((await getUser(getRequest("/", { cookie: session })))?.email).toBe(target);
    expect((await verifyLogin(target, password, "127.0.0.1"))?.id).toBe(user.id);
    expect(await verifyLogin(user.email, password, "127.0.0.1")).toBeNull();
    expect(
      (await db().auditLog.findFirstOrThrow({ where: { entityId: user.id, action: "user.email_changed" } })).data,
    ).toEqual({ from: user.email, to: target });
    expect((await followLink(token, cookie)).status).toBe(410);
  });

  it("keeps only the newest request's link, and refuses a link whose address another account took meanwhile", async () => {
    const { user, password, cookie } = await verifiedAccount();
    const first = newEmail("first");
    const second = newEmail("second");
    await settings(cookie, { intent: "change-email", newEmail: first, password });
    await settings(cookie, { intent: "change-email", newEmail: second, password });
    const firstToken = tokenIn((await waitForDeliveries(first))[0]!);
    const secondToken = tokenIn((await waitForDeliveries(second))[0]!);
    expect((await followLink(firstToken)).status).toBe(410);

    await createUser({ email: second });
    const taken = await followLink(secondToken);
    expect(taken.status).toBe(409);
    expect(taken.body!.formError).toBe("Another account started using this email meanwhile; the change is off.");
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
  });

  it("makes an older verification link stale once the address changed", async () => {
    const { user, cookie } = await signUp({ email: newEmail("stale"), accountType: "BUYER" });
    const verifyToken = tokenIn((await waitForDeliveries(user.email))[0]!);
    const target = newEmail("fresh");
    expect(
      (await settings(cookie, { intent: "change-email", newEmail: target, password: "a-long-enough-password" })).status,
    ).toBe(200);
    expect((await followLink(tokenIn((await waitForDeliveries(target))[0]!))).status).toBe(200);
    expect((await openLink(verifyToken)).status).toBe(410);
    expect((await followLink(verifyToken)).status).toBe(410);
    // The new address is proven by the change link itself.
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeInstanceOf(Date);
  });

  it("limits change requests to 5 an hour per account", async () => {
    const { password, cookie } = await verifiedAccount();
    for (let i = 0; i < ACCOUNT_EMAIL_LIMITS.changePerUser.points; i++)
      expect((await settings(cookie, { intent: "change-email", newEmail: newEmail("many"), password })).status).toBe(
        200,
      );
    const refused = await settings(cookie, { intent: "change-email", newEmail: newEmail("many"), password });
    expect(refused.status).toBe(429);
    expect(refused.body.formError).toMatch(/^Too many email changes\. Try again in/);
  });
});
