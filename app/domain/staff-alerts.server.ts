// Things staff must look at: a dead-lettered event, a refund that failed after it succeeded, a duplicate payment
// refunded automatically, an event for an object Stripe no longer has, the reconciliation cursor falling behind.
// One alert per cause: `dedupeKey` is unique, so a retried job raising the same alert again changes nothing.
// The alerts that need a person soon (an event dead-lettered, a refund that failed, an email that could not be
// delivered) are also emailed to STAFF_ALERTS_TO, once per new alert, in the alert's transaction; so is a dispute
// opened (queued by the dispute's own transaction through `emailStaff`).
import { createElement } from "react";
import { db, transaction, type Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { queueEmail, renderEmail } from "./email/outbox.server.ts";
import { StaffAlertEmail, staffAlertSubject, staffAlertText } from "./email/staff-alert.tsx";

export type StaffAlertKind =
  | "event_dead"
  | "event_orphaned"
  | "livemode_mismatch"
  | "refund_failed_after_success"
  | "duplicate_payment_refunded"
  | "reconciliation_behind"
  | "email_failed";

export interface StaffAlertInput {
  kind: StaffAlertKind;
  message: string;
  /** The same key raised twice stays one alert (the first message wins). */
  dedupeKey: string;
  orderId?: string | null;
  stripeEventId?: string | null;
}

/** The kinds emailed to STAFF_ALERTS_TO, with the words of the email's title and the console page to act on. */
const EMAILED: Partial<Record<StaffAlertKind, { title: string; path: (alert: StaffAlertInput) => string }>> = {
  event_dead: { title: "Webhook processing failing", path: () => "/staff/events" },
  refund_failed_after_success: {
    title: "Refund failed",
    path: (alert) => (alert.orderId ? `/staff/orders/${alert.orderId}` : "/staff"),
  },
  email_failed: { title: "Mail delivery failing", path: () => "/staff/emails" },
};

/** The outbox kind of staff alert emails: one that fails raises no email about itself (no loop). */
export const STAFF_ALERT_EMAIL_KIND = "staff_alert";

/**
 * Raises an alert unless one with the same key exists; inside `tx` when given, so it lands with the change. A new
 * alert of an emailed kind also queues its email to STAFF_ALERTS_TO (in a transaction of its own when no `tx` is
 * given, so the alert and its email land together).
 */
export async function raiseStaffAlert(alert: StaffAlertInput, tx?: Tx): Promise<void> {
  const emailed = EMAILED[alert.kind];
  if (!tx && emailed && staffAlertAddresses()) return transaction((own) => raiseStaffAlert(alert, own));
  const client = tx ?? db();
  const [created] = await client.staffAlert.createManyAndReturn({
    data: [
      {
        kind: alert.kind,
        message: alert.message.slice(0, 2000),
        dedupeKey: alert.dedupeKey,
        orderId: alert.orderId ?? null,
        stripeEventId: alert.stripeEventId ?? null,
      },
    ],
    skipDuplicates: true,
    select: { id: true },
  });
  if (!created || !emailed || !tx) return;
  if (alert.kind === "email_failed" && (await isStaffAlertEmail(tx, alert.dedupeKey))) return;
  await emailStaff(tx, {
    key: `staff-alert:${alert.dedupeKey}`,
    title: emailed.title,
    message: alert.message,
    link: { href: `${env().APP_URL}${emailed.path(alert)}`, label: "Open the staff console" },
    orderId: alert.orderId ?? null,
  });
}

/** Whether the failed email an `email-failed:<emailId>` alert names is itself a staff alert email. */
async function isStaffAlertEmail(tx: Tx, dedupeKey: string) {
  const emailId = /^email-failed:(.+)$/.exec(dedupeKey)?.[1];
  if (!emailId) return false;
  const email = await tx.email.findUnique({ where: { id: emailId }, select: { kind: true } });
  return email?.kind === STAFF_ALERT_EMAIL_KIND;
}

/** STAFF_ALERTS_TO as the mail's recipient list, or null when unset (no staff emails). */
function staffAlertAddresses() {
  const configured = env().STAFF_ALERTS_TO;
  const addresses = (configured ?? "")
    .split(",")
    .map((address) => address.trim())
    .filter(Boolean);
  return addresses.length ? addresses.join(", ") : null;
}

/**
 * Queues an email to STAFF_ALERTS_TO inside `tx` (nothing when it is unset). `key` names the cause: the same cause
 * emails staff once.
 */
export async function emailStaff(
  tx: Tx,
  input: {
    key: string;
    title: string;
    message: string;
    link: { href: string; label: string };
    orderId?: string | null;
  },
) {
  const to = staffAlertAddresses();
  if (!to) return null;
  const data = { appUrl: env().APP_URL, title: input.title, message: input.message, link: input.link };
  const content = await renderEmail(
    staffAlertSubject(data),
    createElement(StaffAlertEmail, data),
    staffAlertText(data),
  );
  return queueEmail(tx, { key: input.key, kind: STAFF_ALERT_EMAIL_KIND, to, content, orderId: input.orderId ?? null });
}

export async function openStaffAlerts(options: { take?: number } = {}) {
  return db().staffAlert.findMany({
    where: { acknowledgedAt: null },
    orderBy: { createdAt: "desc" },
    take: options.take ?? 50,
  });
}

export async function acknowledgeStaffAlert(alertId: string, staffUserId: string, tx: Tx = db()): Promise<boolean> {
  const { count } = await tx.staffAlert.updateMany({
    where: { id: alertId, acknowledgedAt: null },
    data: { acknowledgedAt: new Date(), acknowledgedById: staffUserId },
  });
  return count === 1;
}
