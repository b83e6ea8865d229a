// The email outbox. A message is written to `emails` in the same transaction as the change that causes it (an order
// paid, a password-reset request), with a job on the queue beside it: if the change commits, the email goes; if it
// rolls back, neither exists. A worker delivers it over SMTP with retries and back-off (MAIL_RETRY_LIMIT,
// MAIL_RETRY_DELAY_SECONDS); after the last retry it is FAILED, staff see it at /staff/emails and can retry it.
//
// Once only: each message has a key naming its cause ("receipt:<orderId>"), unique in the table, so the same cause
// never writes two; delivery locks the row and skips one already SENT, so a retried or duplicated job sends nothing
// twice. The Message-ID is made from the key: should a crash between the server's acceptance and our commit make us
// send again, the copy carries the same Message-ID and mail clients recognise it.
import crypto from "node:crypto";
import { render } from "@react-email/components";
import type { ReactElement } from "react";
import type { Prisma } from "#app/generated/prisma/client.ts";
import { db, transaction, type Tx } from "#app/utils/db.server.ts";
import { env, mailDisabled } from "#app/utils/env.server.ts";
import { messageIdDomain, sendMail } from "#app/utils/mailer.server.ts";
import { prismaSqlRunner, queue, QUEUES } from "#app/utils/queue.server.ts";
import { audit, type AuditActor } from "#app/domain/audit.server.ts";
import { DomainError } from "#app/domain/errors.ts";
import { raiseStaffAlert } from "#app/domain/staff-alerts.server.ts";

export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

/** Renders a message (a React Email component) to HTML, beside its plain-text part (written for text readers). */
export async function renderEmail(subject: string, message: ReactElement, text: string): Promise<EmailContent> {
  return { subject, html: await render(message), text };
}

/**
 * The emails a person may turn off in their notification settings (each non-essential email names its topic);
 * receipts, security and payment-problem emails name none and always go.
 */
export const OPTIONAL_EMAIL_TOPICS = {
  creator_sales: "New sales of your products",
  creator_members: "New members of your memberships",
  creator_payouts: "Payouts sent to your bank",
} as const;

export type OptionalEmailTopic = keyof typeof OPTIONAL_EMAIL_TOPICS;

export function isOptionalEmailTopic(value: string): value is OptionalEmailTopic {
  return Object.hasOwn(OPTIONAL_EMAIL_TOPICS, value);
}

// Unsubscribe links: `<userId>.<topic>.<signature>`, an HMAC-SHA256 of the pair under SESSION_SECRET. It needs no login
// and does not expire (a link in an old email must still work); it can only turn that one topic off for that person.
function unsubscribeSignature(userId: string, topic: string) {
  return crypto.createHmac("sha256", env().SESSION_SECRET).update(`unsubscribe:${userId}:${topic}`).digest("base64url");
}

export function unsubscribeToken(userId: string, topic: OptionalEmailTopic) {
  return `${userId}.${topic}.${unsubscribeSignature(userId, topic)}`;
}

/** The person and topic an unsubscribe token names, or null when it is malformed or its signature is wrong. */
export function readUnsubscribeToken(token: string): { userId: string; topic: OptionalEmailTopic } | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [userId, topic, signature] = parts as [string, string, string];
  if (!/^[a-z0-9]{1,40}$/i.test(userId) || !isOptionalEmailTopic(topic)) return null;
  const expected = Buffer.from(unsubscribeSignature(userId, topic));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  return { userId, topic };
}

export function unsubscribeUrl(userId: string, topic: OptionalEmailTopic) {
  return `${env().APP_URL}/unsubscribe/${unsubscribeToken(userId, topic)}`;
}

/** Whether `userId` turned `topic` off (notification settings or an unsubscribe link). */
export async function optedOut(tx: Tx, userId: string, topic: OptionalEmailTopic) {
  return (await tx.emailOptOut.count({ where: { userId, topic } })) > 0;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * A non-essential email's content with its unsubscribe lines added (HTML before `</body>`, text at the end), and the
 * RFC 8058 headers: a mail client's "Unsubscribe" button POSTs `List-Unsubscribe=One-Click` to the same link.
 */
function withUnsubscribe(
  content: EmailContent,
  headers: Record<string, string>,
  userId: string,
  topic: OptionalEmailTopic,
) {
  const url = unsubscribeUrl(userId, topic);
  const settings = `${env().APP_URL}/settings`;
  const what = OPTIONAL_EMAIL_TOPICS[topic].toLowerCase();
  const block =
    `<table role="presentation" width="100%" style="max-width:560px;margin:0 auto" data-unsubscribe>` +
    `<tr><td style="padding:0 16px 32px;font-family:Inter,ui-sans-serif,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;` +
    `font-size:12px;line-height:18px;color:#64748b">` +
    `You can turn off emails about ${escapeHtml(what)}: ` +
    `<a href="${escapeHtml(url)}" style="color:#4f46e5">Unsubscribe</a> · ` +
    `<a href="${escapeHtml(settings)}" style="color:#4f46e5">Notification settings</a>` +
    `</td></tr></table>`;
  const closing = content.html.lastIndexOf("</body>");
  const html =
    closing === -1 ? content.html + block : content.html.slice(0, closing) + block + content.html.slice(closing);
  const text = `${content.text}\n\nTurn off emails about ${what}: ${url}\nNotification settings: ${settings}`;
  return {
    content: { ...content, html, text },
    headers: { ...headers, "List-Unsubscribe": `<${url}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
  };
}

export interface QueuedEmail {
  /** Names the message once: the same key queued again (a retried cause) is the same email. */
  key: string;
  /** What kind of message it is ("receipt", "password_reset"), for staff and tests. */
  kind: string;
  to: string;
  content: EmailContent;
  headers?: Record<string, string>;
  /** Set on a non-essential email: the recipient (`userId`) may have turned it off, and it carries unsubscribe links. */
  topic?: OptionalEmailTopic;
  userId?: string | null;
  orderId?: string | null;
}

/** `receipt:cl9…` → `<receipt.cl9…@market.example>`. */
export function messageIdFor(key: string) {
  return `<${key.replace(/[^A-Za-z0-9._-]/g, ".")}@${messageIdDomain()}>`;
}

/**
 * Writes `email` to the outbox and enqueues its delivery, both inside `tx` (the transaction of the change that causes
 * it). Returns the email's id, or null when nothing new was queued: its key was queued before, mail is disabled, or the
 * email names a `topic` its recipient turned off.
 *
 * An email with a `topic` is about its recipient's account (`userId`, or else the account of `to`): it is skipped when
 * that account turned the topic off, and otherwise carries an unsubscribe link and the List-Unsubscribe headers.
 */
export async function queueEmail(tx: Tx, email: QueuedEmail): Promise<string | null> {
  if (mailDisabled()) return null;
  let content = email.content;
  let headers = email.headers ?? {};
  if (email.topic) {
    const userId =
      email.userId ??
      (await tx.user.findUnique({ where: { email: email.to.toLowerCase() }, select: { id: true } }))?.id ??
      null;
    if (userId) {
      if (await optedOut(tx, userId, email.topic)) return null;
      ({ content, headers } = withUnsubscribe(content, headers, userId, email.topic));
    }
  }
  const [row] = await tx.email.createManyAndReturn({
    data: [
      {
        key: email.key,
        kind: email.kind,
        to: email.to,
        subject: content.subject,
        html: content.html,
        text: content.text,
        headers,
        messageId: messageIdFor(email.key),
        userId: email.userId ?? null,
        orderId: email.orderId ?? null,
      },
    ],
    skipDuplicates: true,
    select: { id: true },
  });
  if (!row) return null;
  await enqueueDelivery(tx, row.id);
  return row.id;
}

async function enqueueDelivery(tx: Tx, emailId: string) {
  const boss = await queue();
  await boss.send(QUEUES.email, { emailId }, { singletonKey: emailId, db: prismaSqlRunner(tx) });
}

export type DeliveryOutcome = "sent" | "already_sent" | "missing";

/**
 * The worker's step: sends the email unless it is already SENT, holding its row locked meanwhile (two jobs for one
 * email cannot both send). A failure is recorded on the row and thrown, so the queue retries it.
 */
export async function deliverEmail(emailId: string): Promise<DeliveryOutcome> {
  let failure: unknown;
  const outcome = await transaction(
    async (tx): Promise<DeliveryOutcome | "failed"> => {
      const [email] = await tx.$queryRaw<
        {
          id: string;
          to: string;
          subject: string;
          html: string;
          text: string;
          headers: Prisma.JsonValue;
          messageId: string;
          status: string;
        }[]
      >`SELECT id, "to", subject, html, text, headers, "messageId", status::text AS status
        FROM "emails" WHERE id = ${emailId} FOR UPDATE`;
      if (!email) return "missing";
      if (email.status === "SENT") return "already_sent";
      const now = new Date();
      try {
        await sendMail({
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          messageId: email.messageId,
          headers: (email.headers ?? {}) as Record<string, string>,
        });
      } catch (error) {
        failure = error;
        await tx.email.update({
          where: { id: emailId },
          data: {
            attempts: { increment: 1 },
            lastAttemptAt: now,
            lastError: ((error as Error).message ?? String(error)).slice(0, 2000),
          },
        });
        return "failed";
      }
      await tx.email.update({
        where: { id: emailId },
        data: { status: "SENT", sentAt: now, attempts: { increment: 1 }, lastAttemptAt: now, failedAt: null },
      });
      return "sent";
    },
    // Longer than the transport's own timeouts, so a slow server fails the send, not the transaction.
    { timeoutMs: 90_000, attempts: 1 },
  );
  if (outcome === "failed") throw failure;
  return outcome;
}

/** The dead letter's step: every retry failed, so the email is FAILED and staff are alerted once. */
export async function markEmailFailed(emailId: string) {
  await transaction(async (tx) => {
    const [email] = await tx.$queryRaw<{ id: string; kind: string; to: string; status: string; lastError: string }[]>`
      SELECT id, kind, "to", status::text AS status, "lastError" FROM "emails" WHERE id = ${emailId} FOR UPDATE`;
    if (!email || email.status !== "QUEUED") return;
    await tx.email.update({ where: { id: emailId }, data: { status: "FAILED", failedAt: new Date() } });
    await raiseStaffAlert(
      {
        kind: "email_failed",
        message:
          `A ${email.kind.replace(/_/g, " ")} email to ${email.to} could not be delivered after every retry ` +
          `(${email.lastError ?? "no error recorded"}). Retry it from Email once the mail server works.`,
        dedupeKey: `email-failed:${email.id}`,
      },
      tx,
    );
  });
}

/** Whether the email named `key` is written (QUEUED or SENT, or FAILED), and to whom. */
export async function emailStatus(key: string) {
  return db().email.findUnique({ where: { key }, select: { to: true, status: true } });
}

export const EMAIL_PAGE_SIZE = 25;

export type EmailListFilter = "failed" | "queued" | "all";

const FILTERS: Record<EmailListFilter, Prisma.EmailWhereInput> = {
  failed: { status: "FAILED" },
  queued: { status: "QUEUED" },
  all: {},
};

/** One page of the outbox for staff, newest first: what, to whom, its state and its last error. */
export async function listEmails({ page, filter }: { page: number; filter: EmailListFilter }) {
  const where = FILTERS[filter];
  const [rows, total, counts] = await Promise.all([
    db().email.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * EMAIL_PAGE_SIZE,
      take: EMAIL_PAGE_SIZE,
      select: {
        id: true,
        kind: true,
        to: true,
        subject: true,
        status: true,
        attempts: true,
        lastError: true,
        lastAttemptAt: true,
        sentAt: true,
        failedAt: true,
        createdAt: true,
      },
    }),
    db().email.count({ where }),
    db().email.groupBy({ by: ["status"], _count: { _all: true } }),
  ]);
  const count = (status: string) => counts.find((row) => row.status === status)?._count._all ?? 0;
  return {
    emails: rows.map((row) => ({ ...row, lastError: row.lastError?.split("\n")[0]?.slice(0, 300) ?? null })),
    counts: { failed: count("FAILED"), queued: count("QUEUED"), sent: count("SENT") },
    page,
    pageCount: Math.max(1, Math.ceil(total / EMAIL_PAGE_SIZE)),
  };
}

/** How many emails failed for good (the console's home shows it). */
export async function failedEmailCount() {
  return db().email.count({ where: { status: "FAILED" } });
}

/**
 * Staff put a FAILED email back on the queue with a fresh set of retries (a new job in the same transaction as the
 * change and its audit row). One already SENT or still QUEUED is refused with a reason.
 */
export async function retryEmail(input: { emailId: string; actor: AuditActor }) {
  if (!input.actor.id)
    throw new DomainError("forbidden", "Only a signed-in staff member can do this.", { status: 403 });
  await transaction(async (tx) => {
    const [email] = await tx.$queryRaw<{ id: string; to: string; kind: string; status: string }[]>`
      SELECT id, "to", kind, status::text AS status FROM "emails" WHERE id = ${input.emailId} FOR UPDATE`;
    if (!email) throw new DomainError("not_found", "We have no email with that id.", { status: 404 });
    if (email.status === "SENT")
      throw new DomainError("already_sent", `The email to ${email.to} is already delivered.`, { status: 409 });
    if (email.status === "QUEUED")
      throw new DomainError("already_handled", `The email to ${email.to} is still queued; it is being retried.`, {
        status: 409,
      });
    await tx.email.update({ where: { id: email.id }, data: { status: "QUEUED", failedAt: null } });
    await enqueueDelivery(tx, email.id);
    await audit(tx, {
      actor: input.actor,
      action: "email.retried",
      entityType: "email",
      entityId: email.id,
      data: { kind: email.kind },
    });
  });
}
