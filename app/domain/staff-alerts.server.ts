// Things staff must look at: a dead-lettered event, a refund that failed after it succeeded, a duplicate payment
// refunded automatically, an event for an object Stripe no longer has, the reconciliation cursor falling behind.
// One alert per cause: `dedupeKey` is unique, so a retried job raising the same alert again changes nothing.
import { db, type Tx } from "#app/utils/db.server.ts";

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

/** Raises an alert unless one with the same key exists; inside `tx` when given, so it lands with the change. */
export async function raiseStaffAlert(alert: StaffAlertInput, tx: Tx = db()): Promise<void> {
  await tx.staffAlert.upsert({
    where: { dedupeKey: alert.dedupeKey },
    create: {
      kind: alert.kind,
      message: alert.message.slice(0, 2000),
      dedupeKey: alert.dedupeKey,
      orderId: alert.orderId ?? null,
      stripeEventId: alert.stripeEventId ?? null,
    },
    update: {},
  });
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
