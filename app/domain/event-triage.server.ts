// Staff triage of Stripe webhook events that did not go through: the failing ones (the queue is still retrying them)
// and the dead ones (the queue gave up), with the staff alerts raised about them and other causes. Staff can retry an
// event (a fresh job on the queue, with a fresh retry budget), dismiss it (never processed; its waiting job is
// cancelled) or acknowledge an alert. Each of these leaves an audit row.
//
// The retry's job is enqueued in the same transaction as the change to the event and its audit row, so a retry either
// happened completely or not at all. pg-boss speaks SQL through `txRunner`, over the Prisma transaction.
import { audit, type AuditActor } from "./audit.server.ts";
import { DomainError } from "./errors.ts";
import { acknowledgeStaffAlert, openStaffAlerts, type StaffAlertKind } from "./staff-alerts.server.ts";
import type { Prisma } from "#app/generated/prisma/client.ts";
import { db, transaction, type Tx } from "#app/utils/db.server.ts";
import { notifyWorkers, prismaSqlRunner, queue, QUEUES } from "#app/utils/queue.server.ts";

export const EVENT_PAGE_SIZE = 25;
/** How many open alerts the console's home lists. */
export const HOME_ALERT_LIMIT = 20;

/** Still being retried by the queue: it failed at least once and is neither settled nor given up on. */
const FAILING = {
  processedAt: null,
  processingError: { not: null },
  deadAt: null,
  dismissedAt: null,
} satisfies Prisma.StripeEventWhereInput;

/** The queue gave up on it and nobody has processed or dismissed it since (reconciliation may still process one). */
const DEAD = { processedAt: null, deadAt: { not: null }, dismissedAt: null } satisfies Prisma.StripeEventWhereInput;

const EVENT_SELECT = {
  id: true,
  type: true,
  account: true,
  livemode: true,
  processingError: true,
  attempts: true,
  lastAttemptAt: true,
  receivedAt: true,
  deadAt: true,
} satisfies Prisma.StripeEventSelect;

type EventRow = Prisma.StripeEventGetPayload<{ select: typeof EVENT_SELECT }>;

/** The event in the Stripe dashboard (its test-mode half for a test event). */
export function stripeDashboardUrl(event: { id: string; livemode: boolean }) {
  return `https://dashboard.stripe.com/${event.livemode ? "" : "test/"}events/${event.id}`;
}

/** The first line of a stored error (the message; the stack follows it), at most 300 characters. */
export function firstErrorLine(error: string | null) {
  if (!error) return null;
  const line = error.split("\n").find((text) => text.trim() !== "") ?? "";
  return line.trim().slice(0, 300);
}

function troubledRow(event: EventRow) {
  return {
    id: event.id,
    type: event.type,
    account: event.account,
    error: firstErrorLine(event.processingError),
    attempts: event.attempts,
    lastAttemptAt: event.lastAttemptAt,
    receivedAt: event.receivedAt,
    deadAt: event.deadAt,
    dashboardUrl: stripeDashboardUrl(event),
  };
}
export type TroubledEvent = ReturnType<typeof troubledRow>;

/** How many events are failing and how many are dead. */
export async function troubledEventCounts() {
  const [failing, dead] = await Promise.all([
    db().stripeEvent.count({ where: FAILING }),
    db().stripeEvent.count({ where: DEAD }),
  ]);
  return { failing, dead };
}

/**
 * One page of troubled events: the failing ones first, then the dead ones, each newest first (ties broken by id so
 * pages never overlap), as the disputes list pages its open and closed disputes.
 */
export async function listTroubledEvents({ page }: { page: number }) {
  const counts = await troubledEventCounts();
  const start = (page - 1) * EVENT_PAGE_SIZE;
  const failingTake = Math.max(0, Math.min(EVENT_PAGE_SIZE, counts.failing - start));
  const deadSkip = Math.max(0, start - counts.failing);
  const deadTake = EVENT_PAGE_SIZE - failingTake;
  const orderBy = [{ receivedAt: "desc" }, { id: "desc" }] satisfies Prisma.StripeEventOrderByWithRelationInput[];
  const [failing, dead] = await Promise.all([
    failingTake > 0
      ? db().stripeEvent.findMany({ where: FAILING, orderBy, skip: start, take: failingTake, select: EVENT_SELECT })
      : Promise.resolve([]),
    deadTake > 0
      ? db().stripeEvent.findMany({ where: DEAD, orderBy, skip: deadSkip, take: deadTake, select: EVENT_SELECT })
      : Promise.resolve([]),
  ]);
  const total = counts.failing + counts.dead;
  return {
    failing: failing.map(troubledRow),
    dead: dead.map(troubledRow),
    failingCount: counts.failing,
    deadCount: counts.dead,
    page,
    pageCount: Math.max(1, Math.ceil(total / EVENT_PAGE_SIZE)),
  };
}

type JobState = "created" | "retry" | "active";

/** The event's jobs that have not finished: waiting (`created`), waiting to be retried (`retry`) or running. */
async function liveJobs(tx: Tx, eventId: string) {
  return tx.$queryRaw<{ id: string; state: JobState }[]>`
    SELECT id::text AS id, state::text AS state FROM pgboss.job
    WHERE name = ${QUEUES.stripeEvent} AND singleton_key = ${eventId}
      AND state IN ('created', 'retry', 'active')`;
}

/** Locks the event's row and checks that it is failing or dead, or throws the refusal staff should read. */
async function lockTroubledEvent(tx: Tx, eventId: string) {
  const [event] = await tx.$queryRaw<
    {
      id: string;
      type: string;
      processedAt: Date | null;
      processingError: string | null;
      deadAt: Date | null;
      dismissedAt: Date | null;
    }[]
  >`SELECT id, type, "processedAt", "processingError", "deadAt", "dismissedAt" FROM "stripe_events"
    WHERE id = ${eventId} FOR UPDATE`;
  if (!event) throw new DomainError("not_found", "We have no Stripe event with that id.", { status: 404 });
  const name = `${event.type} (${event.id})`;
  if (event.processedAt) throw new DomainError("already_handled", `${name} is already processed.`);
  if (event.dismissedAt) throw new DomainError("already_handled", `${name} was dismissed; it stays unprocessed.`);
  if (!event.deadAt && !event.processingError)
    throw new DomainError("stale", `${name} has not failed: it is waiting for its first attempt.`);
  return event;
}

function requireStaffId(actor: AuditActor): string {
  if (!actor.id) throw new DomainError("forbidden", "Only a signed-in staff member can do this.", { status: 403 });
  return actor.id;
}

export type RetryOutcome =
  /** A fresh job is on the queue. */
  | "queued"
  /** A job for the event was already waiting or running; nothing new was enqueued. */
  | "already_queued";

/**
 * Retries a failing or dead event now: clears its dead mark and enqueues a fresh job (retried by the queue's settings
 * like a new event's). A job that is only waiting out its back-off is cancelled in favour of the fresh one; one that is
 * waiting to start or running already is left alone ("already_queued"). pg-boss's "stately" queue allows one waiting
 * job per event, so `send` answers null when one is waiting after all (a race): that is "already_queued" as well.
 */
export async function retryEvent(input: { eventId: string; actor: AuditActor }): Promise<{ outcome: RetryOutcome }> {
  requireStaffId(input.actor);
  const boss = await queue();
  const outcome = await transaction(async (tx) => {
    const event = await lockTroubledEvent(tx, input.eventId);
    const jobs = await liveJobs(tx, event.id);
    const backingOff = jobs.filter((job) => job.state === "retry").map((job) => job.id);
    let jobId: string | null = null;
    if (!jobs.some((job) => job.state !== "retry")) {
      const runner = prismaSqlRunner(tx);
      if (backingOff.length) await boss.cancel(QUEUES.stripeEvent, backingOff, { db: runner });
      jobId = await boss.send(QUEUES.stripeEvent, { eventId: event.id }, { singletonKey: event.id, db: runner });
    }
    if (event.deadAt) await tx.stripeEvent.update({ where: { id: event.id }, data: { deadAt: null } });
    if (!jobId && !event.deadAt) return "already_queued" as const;
    await audit(tx, {
      actor: input.actor,
      action: "stripe_event.retried",
      entityType: "stripe_event",
      entityId: event.id,
      data: {
        type: event.type,
        wasDead: Boolean(event.deadAt),
        jobId,
        cancelledJobIds: jobId ? backingOff : [],
      },
    });
    return jobId ? ("queued" as const) : ("already_queued" as const);
  });
  if (outcome === "queued") notifyWorkers(QUEUES.stripeEvent);
  return { outcome };
}

/** Sets a failing or dead event aside for good: it is never processed, and a job waiting for it is cancelled. */
export async function dismissEvent(input: { eventId: string; actor: AuditActor }) {
  const staffId = requireStaffId(input.actor);
  const boss = await queue();
  await transaction(async (tx) => {
    const event = await lockTroubledEvent(tx, input.eventId);
    const waiting = (await liveJobs(tx, event.id)).filter((job) => job.state !== "active").map((job) => job.id);
    if (waiting.length) await boss.cancel(QUEUES.stripeEvent, waiting, { db: prismaSqlRunner(tx) });
    await tx.stripeEvent.update({
      where: { id: event.id },
      data: { dismissedAt: new Date(), dismissedById: staffId },
    });
    await audit(tx, {
      actor: input.actor,
      action: "stripe_event.dismissed",
      entityType: "stripe_event",
      entityId: event.id,
      data: { type: event.type, wasDead: Boolean(event.deadAt), cancelledJobIds: waiting },
    });
  });
}

const ALERT_KIND_WORDS: Record<StaffAlertKind, string> = {
  event_dead: "Stripe event gave up",
  event_orphaned: "Stripe object gone",
  livemode_mismatch: "Event from the other mode",
  refund_failed_after_success: "Refund failed after succeeding",
  duplicate_payment_refunded: "Duplicate payment refunded",
  reconciliation_behind: "Reconciliation behind",
  email_failed: "Email not delivered",
};

/** An alert's kind in words ("Stripe event gave up"); an unknown kind in its own words. */
export function alertKindWords(kind: string) {
  return ALERT_KIND_WORDS[kind as StaffAlertKind] ?? kind.replace(/_/g, " ");
}

/** What the console's home shows about trouble: the newest open alerts and the failing and dead event counts. */
export async function staffTrouble() {
  const [alerts, openAlertCount, events] = await Promise.all([
    openStaffAlerts({ take: HOME_ALERT_LIMIT }),
    db().staffAlert.count({ where: { acknowledgedAt: null } }),
    troubledEventCounts(),
  ]);
  return {
    alerts: alerts.map((alert) => ({
      id: alert.id,
      kind: alert.kind,
      kindWords: alertKindWords(alert.kind),
      message: alert.message,
      createdAt: alert.createdAt,
      orderId: alert.orderId,
      stripeEventId: alert.stripeEventId,
    })),
    openAlertCount,
    events,
  };
}

/** Marks an open alert as seen and handled by the staff member. */
export async function acknowledgeAlert(input: { alertId: string; actor: AuditActor }) {
  const staffId = requireStaffId(input.actor);
  const alert = await db().staffAlert.findUnique({
    where: { id: input.alertId },
    select: { id: true, kind: true, orderId: true, stripeEventId: true, acknowledgedAt: true },
  });
  if (!alert) throw new DomainError("not_found", "That alert doesn't exist.", { status: 404 });
  await transaction(async (tx) => {
    if (alert.acknowledgedAt || !(await acknowledgeStaffAlert(alert.id, staffId, tx)))
      throw new DomainError("already_handled", "Someone already acknowledged this alert.");
    await audit(tx, {
      actor: input.actor,
      action: "staff_alert.acknowledged",
      entityType: "staff_alert",
      entityId: alert.id,
      orderId: alert.orderId,
      data: { kind: alert.kind, stripeEventId: alert.stripeEventId },
    });
  });
}
