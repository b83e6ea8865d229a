// The webhook pipeline's back half, run by the `stripe-event` worker (and by manual reconciliation): load a stored
// event, run its handler, record the outcome. A throw leaves the event unprocessed with its error, and the queue
// retries it with back-off; after the last retry the event is dead-lettered for staff.
//
// An event whose object Stripe answers 404 `resource_missing` for is not ours or is gone (a deleted test object, an
// account disconnected from the platform): retrying cannot help, so it is settled as "orphaned" and, when we hold
// something it names, staff are alerted.
import type Stripe from "stripe";
import { raiseStaffAlert } from "#app/domain/staff-alerts.server.ts";
import { isStripeObjectGone } from "#app/domain/stripe-errors.server.ts";
import { withStripeAccount } from "#app/stripe/client.server.ts";
import { db } from "#app/utils/db.server.ts";
import { notifyWorkers, queue, QUEUES } from "#app/utils/queue.server.ts";
import { handlerFor } from "./dispatch.server.ts";

const MAX_ERROR_LENGTH = 4000;

/**
 * Runs the event's handler (if any) and marks the event processed. Handlers are idempotent, so two runs that race
 * here both end in the same state. Returns whether a handler ran.
 */
export async function processStoredEvent(event: Stripe.Event): Promise<boolean> {
  const handler = handlerFor(event.type);
  try {
    // A connected account's event is about its own objects (account.* excepted: the platform reads accounts).
    if (handler && event.account && !event.type.startsWith("account."))
      await withStripeAccount(event.account, () => handler(event));
    else if (handler) await handler(event);
    await db().stripeEvent.update({
      where: { id: event.id },
      data: { processedAt: new Date(), processingError: null },
    });
    return Boolean(handler);
  } catch (error) {
    if (isStripeObjectGone(error)) {
      await settleOrphaned(event, error as Error);
      return true;
    }
    await db()
      .stripeEvent.update({
        where: { id: event.id },
        data: { processingError: String((error as Error)?.stack ?? error).slice(0, MAX_ERROR_LENGTH) },
      })
      .catch(() => {});
    throw error;
  }
}

async function settleOrphaned(event: Stripe.Event, error: Error) {
  // The alert first: settled is the last step, so a crash in between runs this again (the alert is deduplicated).
  const objectId = (event.data.object as { id?: unknown }).id;
  if (typeof objectId === "string" && (await weHold(objectId)))
    await raiseStaffAlert({
      kind: "event_orphaned",
      message:
        `Stripe no longer has ${objectId}, named by ${event.type} (${event.id}), though our records refer to it. ` +
        `The event was not applied; check the object in the Stripe dashboard.`,
      dedupeKey: `orphaned:${event.id}`,
      stripeEventId: event.id,
    });
  await db().stripeEvent.update({
    where: { id: event.id },
    data: { processedAt: new Date(), outcome: "orphaned", processingError: error.message.slice(0, MAX_ERROR_LENGTH) },
  });
}

/** Whether one of our records names the Stripe object (an order's charge or session, a refund, a membership…). */
async function weHold(objectId: string): Promise<boolean> {
  const [{ held }] = await db().$queryRaw<{ held: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM "orders" WHERE "stripeCheckoutSessionId" = ${objectId}
        OR "stripePaymentIntentId" = ${objectId} OR "stripeChargeId" = ${objectId})
      OR EXISTS (SELECT 1 FROM "refunds" WHERE "stripeRefundId" = ${objectId})
      OR EXISTS (SELECT 1 FROM "memberships" WHERE "stripeSubscriptionId" = ${objectId})
      OR EXISTS (SELECT 1 FROM "creator_accounts" WHERE "stripeAccountId" = ${objectId}) AS held`;
  return held;
}

/** The worker's job: one attempt at one stored event. Counted on the row, for staff to see. */
export async function runStoredEvent(eventId: string): Promise<void> {
  // Any failure here (the database busy or away) fails the job, so the queue tries again: never a silent success.
  // One statement counts the attempt and reads the event (this runs once per event, thousands a minute in a burst).
  const [row] = await db().$queryRaw<{ payload: Stripe.Event }[]>`
    UPDATE "stripe_events" SET "attempts" = "attempts" + 1, "lastAttemptAt" = now() AT TIME ZONE 'UTC'
    WHERE "id" = ${eventId} AND "processedAt" IS NULL AND "dismissedAt" IS NULL
    RETURNING "payload"`;
  // Gone (purged), already done (a redelivery's job, a success-page fulfilment) or dismissed by staff: nothing to do.
  if (!row) return;
  await processStoredEvent(row.payload);
}

/**
 * Stored events still waiting that have no job (a job lost to a crash between pg-boss's steps, or completed by a
 * worker that lost its database mid-way in an older version): enqueued again. Part of the scheduled reconciliation;
 * an event younger than `minAgeSeconds` is left to its own job.
 */
export async function requeueEventsWithoutJob(minAgeSeconds = 120): Promise<number> {
  const waiting = await db().$queryRaw<{ id: string }[]>`
    SELECT e.id FROM "stripe_events" e
    WHERE e."processedAt" IS NULL AND e."deadAt" IS NULL AND e."dismissedAt" IS NULL
      AND e."receivedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${minAgeSeconds})
      AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = ${QUEUES.stripeEvent} AND j.singleton_key = e.id
        AND j.state IN ('created', 'retry', 'active'))
    LIMIT 1000`;
  const boss = await queue();
  let queued = 0;
  for (const { id } of waiting)
    if (await boss.send(QUEUES.stripeEvent, { eventId: id }, { singletonKey: id })) queued++;
  if (queued) notifyWorkers(QUEUES.stripeEvent);
  return queued;
}

/** The dead-letter job: the queue gave up on the event. Staff see it as dead and get one alert. */
export async function markEventDead(eventId: string): Promise<void> {
  const event = await db().stripeEvent.findUnique({
    where: { id: eventId },
    select: { type: true, processedAt: true, dismissedAt: true, processingError: true, attempts: true },
  });
  // Processed meanwhile (reconciliation, the success page) or set aside by staff: nothing to give up on.
  if (!event || event.processedAt || event.dismissedAt) return;
  // The alert first: dead is the last step (a crash in between runs this again; the alert is deduplicated).
  const firstLine = (event.processingError ?? "unknown error").split("\n")[0]!.slice(0, 300);
  await raiseStaffAlert({
    kind: "event_dead",
    message: `${event.type} (${eventId}) failed ${event.attempts} times and was set aside: ${firstLine}`,
    dedupeKey: `dead:${eventId}:${event.attempts}`,
    stripeEventId: eventId,
  });
  await db().stripeEvent.update({ where: { id: eventId }, data: { deadAt: new Date() } });
}
