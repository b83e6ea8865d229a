// Notification settings through the real routes, the outbox, the worker and SMTP: creators turn the optional topics
// (new sales, new members, payouts) off and on; buyers are told everything they get is essential. queueEmail skips an
// email whose topic its recipient turned off, and gives every email with a topic an unsubscribe link plus the
// List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058); essential emails go regardless and carry neither. The
// unsubscribe link needs no login, asks before it acts, takes a mail client's one-click POST, and refuses a bad token.
import { createElement } from "react";
import { beforeAll, describe, expect, it } from "vitest";
import {
  OPTIONAL_EMAIL_TOPICS,
  queueEmail,
  renderEmail,
  unsubscribeToken,
  type OptionalEmailTopic,
} from "#app/domain/email/outbox.server.ts";
import { EmailHeading, EmailLayout } from "#app/domain/email/layout.tsx";
import { startWorkers } from "#app/jobs/workers.server.ts";
import { action as unsubscribeAction, loader as unsubscribeLoader } from "#app/routes/_auth+/unsubscribe.$token.tsx";
import { action as settingsAction, loader as settingsLoader } from "#app/routes/settings+/_index.tsx";
import { db, transaction } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { deliveries, header, links, waitForDeliveries } from "#tests/helpers/mail.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie, TEST_ORIGIN } from "#tests/helpers/requests.ts";

beforeAll(async () => {
  await startWorkers();
});

const TOPICS = Object.keys(OPTIONAL_EMAIL_TOPICS) as OptionalEmailTopic[];

async function settingsPage(cookie: string) {
  const response = await callRoute(settingsLoader, getRequest("/settings", { cookie }));
  expect(response.status).toBe(200);
  return (await response.json()) as { role: string; topics: { topic: string; label: string; enabled: boolean }[] };
}

/** Posts the notifications form with these boxes ticked (repeated `topic` fields, as the browser sends them). */
async function saveSettings(cookie: string, ticked: string[]) {
  const body = new URLSearchParams([["intent", "notifications"], ...ticked.map((topic) => ["topic", topic])]);
  const request = new Request(`${TEST_ORIGIN}/settings`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: TEST_ORIGIN, Cookie: cookie },
    body,
  });
  const response = await callRoute(settingsAction, request);
  return {
    status: response.status,
    body: (await response.json()) as { message: string | null; formError: string | null },
  };
}

let sequence = 0;
/** Queues a small email the way the other messages do, with or without a topic, and returns its id (or null). */
async function queueTestEmail(input: { to: string; userId?: string; topic?: OptionalEmailTopic }) {
  sequence += 1;
  const appUrl = env().APP_URL;
  const content = await renderEmail(
    `Test message ${sequence}`,
    createElement(EmailLayout, {
      preview: "A test",
      appUrl,
      footer: "A footer.",
      children: createElement(EmailHeading, null, `Test message ${sequence}`),
    }),
    `Test message ${sequence}`,
  );
  return transaction((tx) =>
    queueEmail(tx, {
      key: `test:${sequence}:${Date.now()}`,
      kind: "test",
      to: input.to,
      content,
      topic: input.topic,
      userId: input.userId,
    }),
  );
}

/** Waits briefly so a message that should not come would have arrived. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 700));

describe("the settings page", () => {
  it("shows creators every optional topic, on until turned off, and saves what they tick", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    const cookie = await sessionCookie(user.id);
    expect((await settingsPage(cookie)).topics).toEqual(
      TOPICS.map((topic) => ({ topic, label: OPTIONAL_EMAIL_TOPICS[topic], enabled: true })),
    );

    const saved = await saveSettings(cookie, ["creator_members"]);
    expect(saved.status).toBe(200);
    expect(saved.body.message).toBe("Notification settings saved.");
    expect((await settingsPage(cookie)).topics.map((t) => [t.topic, t.enabled])).toEqual([
      ["creator_sales", false],
      ["creator_members", true],
      ["creator_payouts", false],
    ]);
    expect(
      (await db().emailOptOut.findMany({ where: { userId: user.id }, orderBy: { topic: "asc" } })).map((r) => r.topic),
    ).toEqual(["creator_payouts", "creator_sales"]);
    const audit = await db().auditLog.findFirstOrThrow({
      where: { entityId: user.id, action: "user.notifications_updated" },
    });
    expect(audit.data).toEqual({ on: ["creator_members"], off: ["creator_sales", "creator_payouts"] });

    // Saving again is the same state; ticking all turns everything back on.
    await saveSettings(cookie, ["creator_members"]);
    expect(await db().emailOptOut.count({ where: { userId: user.id } })).toBe(2);
    await saveSettings(cookie, [...TOPICS]);
    expect(await db().emailOptOut.count({ where: { userId: user.id } })).toBe(0);
    expect((await settingsPage(cookie)).topics.every((t) => t.enabled)).toBe(true);
  });

  it("shows buyers nothing to turn off, and keeps it that way whatever they post", async () => {
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    expect((await settingsPage(cookie)).topics).toEqual([]);
    expect((await saveSettings(cookie, [])).status).toBe(200);
    expect((await saveSettings(cookie, ["creator_sales"])).status).toBe(200);
    expect(await db().emailOptOut.count({ where: { userId: user.id } })).toBe(0);
  });

  it("refuses a topic that does not exist with a 400, changing nothing", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    const cookie = await sessionCookie(user.id);
    const refused = await saveSettings(cookie, ["receipts"]);
    expect(refused.status).toBe(400);
    expect(refused.body.formError).toBe('There is no email setting called "receipts".');
    expect(await db().emailOptOut.count({ where: { userId: user.id } })).toBe(0);
  });

  it("sends visitors who are not signed in to log in", async () => {
    const page = await callRoute(settingsLoader, getRequest("/settings"));
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toBe("/login?redirectTo=%2Fsettings");
    const post = await callRoute(settingsAction, formRequest("/settings", { intent: "notifications" }));
    expect(post.status).toBe(302);
  });
});

describe("queueEmail and the topics", () => {
  it("gives an email with a topic its unsubscribe link and the RFC 8058 headers", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    expect(await queueTestEmail({ to: user.email, userId: user.id, topic: "creator_sales" })).not.toBeNull();
    const [message] = await waitForDeliveries(user.email);
    const url = `${env().APP_URL}/unsubscribe/${unsubscribeToken(user.id, "creator_sales")}`;
    expect(header(message!, "List-Unsubscribe")).toBe(`<${url}>`);
    expect(header(message!, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(links(message!)).toContain(url);
    expect(links(message!)).toContain(`${env().APP_URL}/settings`);
    expect(message!.html).toContain("You can turn off emails about new sales of your products");
    expect(message!.text).toContain(`Turn off emails about new sales of your products: ${url}`);
    // The link sits inside the document, after the layout's footer.
    expect(message!.html!.indexOf(url)).toBeGreaterThan(message!.html!.indexOf("A footer."));
  });

  it("finds the account by the address when the email names no userId", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    await queueTestEmail({ to: user.email, topic: "creator_members" });
    const [message] = await waitForDeliveries(user.email);
    expect(header(message!, "List-Unsubscribe")).toBe(
      `<${env().APP_URL}/unsubscribe/${unsubscribeToken(user.id, "creator_members")}>`,
    );
  });

  it("skips a topic its recipient turned off, and only that topic; essential emails always go, without unsubscribe", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    await saveSettings(await sessionCookie(user.id), ["creator_members", "creator_payouts"]);
    expect(await queueTestEmail({ to: user.email, userId: user.id, topic: "creator_sales" })).toBeNull();
    expect(await queueTestEmail({ to: user.email, topic: "creator_sales" })).toBeNull();
    expect(await db().email.count({ where: { to: user.email } })).toBe(0);

    expect(await queueTestEmail({ to: user.email, userId: user.id, topic: "creator_payouts" })).not.toBeNull();
    expect(await queueTestEmail({ to: user.email, userId: user.id })).not.toBeNull();
    const received = await waitForDeliveries(user.email, 2);
    await settle();
    expect(await deliveries(user.email)).toHaveLength(2);
    const essential = received.find((m) => !header(m, "List-Unsubscribe"));
    expect(essential, "the essential email has no List-Unsubscribe").toBeDefined();
    expect(header(essential!, "List-Unsubscribe-Post")).toBeUndefined();
    expect(essential!.html).not.toContain("/unsubscribe/");
    expect(essential!.text).not.toContain("/unsubscribe/");
  });
});

async function openUnsubscribe(token: string) {
  const response = await callRoute(unsubscribeLoader, getRequest(`/unsubscribe/${token}`), { token });
  return { status: response.status, response };
}

describe("the unsubscribe link", () => {
  it("asks first (no login), then turns the topic off with the page's button; other topics stay on", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    const token = unsubscribeToken(user.id, "creator_sales");
    const opened = await openUnsubscribe(token);
    expect(opened.status).toBe(200);
    expect(await opened.response.json()).toEqual({
      topic: "creator_sales",
      label: "New sales of your products",
      email: user.email,
      alreadyOff: false,
    });
    expect(await db().emailOptOut.count({ where: { userId: user.id } })).toBe(0);

    const done = await callRoute(unsubscribeAction, formRequest(`/unsubscribe/${token}`, {}), { token });
    expect(done.status).toBe(200);
    expect((await done.json()).done).toEqual({
      topic: "creator_sales",
      label: "New sales of your products",
      email: user.email,
    });
    expect((await db().emailOptOut.findMany({ where: { userId: user.id } })).map((r) => r.topic)).toEqual([
      "creator_sales",
    ]);
    expect(await db().auditLog.count({ where: { entityId: user.id, action: "user.unsubscribed" } })).toBe(1);
    expect((await (await openUnsubscribe(token)).response.json()).alreadyOff).toBe(true);
    expect(await queueTestEmail({ to: user.email, userId: user.id, topic: "creator_sales" })).toBeNull();
    expect(await queueTestEmail({ to: user.email, userId: user.id, topic: "creator_members" })).not.toBeNull();

    // The settings page shows it off, and turning it back on there works.
    const cookie = await sessionCookie(user.id);
    expect((await settingsPage(cookie)).topics.find((t) => t.topic === "creator_sales")?.enabled).toBe(false);
    await saveSettings(cookie, [...TOPICS]);
    expect(await queueTestEmail({ to: user.email, userId: user.id, topic: "creator_sales" })).not.toBeNull();
  });

  it("takes a mail client's one-click POST (no cookie, no Origin), and a second one changes nothing more", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    const token = unsubscribeToken(user.id, "creator_payouts");
    const oneClick = () =>
      new Request(`${TEST_ORIGIN}/unsubscribe/${token}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
    expect((await callRoute(unsubscribeAction, oneClick(), { token })).status).toBe(200);
    expect((await callRoute(unsubscribeAction, oneClick(), { token })).status).toBe(200);
    expect((await db().emailOptOut.findMany({ where: { userId: user.id } })).map((r) => r.topic)).toEqual([
      "creator_payouts",
    ]);
    expect(await db().auditLog.count({ where: { entityId: user.id, action: "user.unsubscribed" } })).toBe(1);
  });

  it("refuses a forged, altered or unknown token with a 400 and changes nothing", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    const { user: victim } = await createUser({ role: "CREATOR" });
    const good = unsubscribeToken(user.id, "creator_sales");
    const [, , signature] = good.split(".");
    const bad = [
      "nonsense",
      `${user.id}.creator_sales.${signature!.slice(0, -1)}${signature!.endsWith("A") ? "B" : "A"}`, // its last character changed
      `${victim.id}.creator_sales.${signature}`, // someone else's id under this signature
      `${user.id}.creator_members.${signature}`, // another topic under this signature
      `${user.id}.receipts.${signature}`,
      `${good}.extra`,
      unsubscribeToken("nosuchuser0000000000000", "creator_sales"),
    ];
    for (const token of bad) {
      const opened = await openUnsubscribe(token);
      expect(opened.status, token).toBe(400);
      expect(await opened.response.text()).toMatch(/This unsubscribe link is not valid/);
      const posted = await callRoute(unsubscribeAction, formRequest(`/unsubscribe/${token}`, {}), { token });
      expect(posted.status, token).toBe(400);
    }
    expect(await db().emailOptOut.count({ where: { userId: { in: [user.id, victim.id] } } })).toBe(0);
  });
});
