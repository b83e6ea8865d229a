// The webhook pipeline's front half: verify the signature on the raw body → store the event by its id and enqueue its
// processing in one transaction → answer 200. A worker (app/jobs/) runs the handler with retries and back-off; Stripe's
// own redelivery is no longer what retries a failure. A 2xx is answered only once the event and its job are committed.
//
// A body that carries a valid signature but is not an event we can read (not JSON, not an object, fields missing or
// of the wrong type, text PostgreSQL cannot hold) answers 400 and is kept in `rejected_webhooks`, byte for byte, for
// staff to inspect. An unsigned body is never stored; its refusal leaves a rate-limited row in the security log.
// An event from the other mode (a live event on a test deployment, or the reverse) is stored, never processed, and
// raises a staff alert. Verifying and reading the body is the Stripe adapter's (`app/stripe/events.server.ts`).
import type Stripe from "stripe";
import { recordSecurityRefusal } from "#app/domain/security-log.server.ts";
import { raiseStaffAlert } from "#app/domain/staff-alerts.server.ts";
import { verifyEvent } from "#app/stripe/events.server.ts";
import { databasePool, db } from "#app/utils/db.server.ts";
import { stripeLivemode } from "#app/utils/env.server.ts";
import { notifyWorkers, preparedStatementName, queue, QUEUES, sqlRunner } from "#app/utils/queue.server.ts";
import { handlerFor } from "./dispatch.server.ts";

/** Keeps a signed body we could not read, exactly as it came, with the reason and the signature header. */
async function keepRejected(rawBody: string, signature: string, reason: string) {
  await db().rejectedWebhook.create({
    data: {
      rawBody: Buffer.from(rawBody, "utf8"),
      signatureHeader: signature.slice(0, 2000),
      reason: reason.slice(0, 2000),
    },
  });
}

export type WebhookOutcome =
  | { status: 400; body: { error: string } }
  | { status: 200; body: { received: true; duplicate?: true; queued: boolean } };

export async function receiveWebhook(
  rawBody: string,
  signature: string | null,
  from: { address: string } = { address: "unknown" },
): Promise<WebhookOutcome> {
  const verified = verifyEvent(rawBody, signature);
  if (!verified.ok && !verified.signed) {
    await recordSecurityRefusal("webhook_signature", from.address, verified.reason);
    return { status: 400, body: { error: `Webhook signature verification failed: ${verified.reason}` } };
  }
  if (!verified.ok) {
    console.warn(`[webhook] rejected a signed body: ${verified.reason}`);
    await keepRejected(rawBody, signature ?? "", verified.reason);
    return { status: 400, body: { error: verified.reason } };
  }
  const stored = await storeEvent(verified.event);
  return {
    status: 200,
    body: { received: true, ...(stored.inserted ? {} : { duplicate: true }), queued: stored.queued },
  };
}

export interface StoredEvent {
  /** False for a redelivery of an event we already have. */
  inserted: boolean;
  /** Whether a job to process it is (now) waiting; false once processed, dead, dismissed, or nothing to run. */
  queued: boolean;
}

const INSERT_EVENT = `
  INSERT INTO "stripe_events"
    ("id", "type", "account", "apiVersion", "stripeCreatedAt", "payload", "livemode", "processedAt", "outcome")
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
  ON CONFLICT ("id") DO UPDATE SET "deliveries" = "stripe_events"."deliveries" + 1
  RETURNING (xmax = 0) AS inserted, ("processedAt" IS NULL AND "deadAt" IS NULL AND "dismissedAt" IS NULL) AS pending`;

/**
 * Inserts the event by its unique id (a redelivery only bumps the delivery count) and, while it still needs
 * processing, enqueues its job in the same transaction: a stored event always has a job, a job always its event.
 */
export async function storeEvent(event: Stripe.Event): Promise<StoredEvent> {
  const boss = await queue();
  const livemodeMismatch = Boolean(event.livemode) !== stripeLivemode();
  // Nothing to run (no handler) or nothing we may run (the other mode's event): stored already settled.
  const settledOutcome = livemodeMismatch ? "livemode_mismatch" : !handlerFor(event.type) ? "no_handler" : null;
  const client = await databasePool().connect();
  let broken: Error | undefined;
  let row: { inserted: boolean; pending: boolean };
  try {
    await client.query("BEGIN");
    const result = await client.query<{ inserted: boolean; pending: boolean }>({
      name: preparedStatementName(INSERT_EVENT),
      text: INSERT_EVENT,
      values: [
        event.id,
        event.type,
        event.account ?? null,
        event.api_version ?? null,
        new Date(event.created * 1000),
        JSON.stringify(event),
        Boolean(event.livemode),
        settledOutcome ? new Date() : null,
        settledOutcome === "livemode_mismatch" ? settledOutcome : null,
      ],
    });
    row = result.rows[0]!;
    if (row.pending)
      await boss.send(QUEUES.stripeEvent, { eventId: event.id }, { singletonKey: event.id, db: sqlRunner(client) });
    await client.query("COMMIT");
  } catch (error) {
    broken = error as Error;
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    // A connection-level failure discards the connection; an SQL error leaves it usable.
    client.release(broken && !(broken as { code?: unknown }).code ? broken : undefined);
  }
  if (row.pending) notifyWorkers(QUEUES.stripeEvent);
  if (row.inserted && livemodeMismatch) await alertLivemodeMismatch(event);
  return { inserted: row.inserted, queued: row.pending };
}

async function alertLivemodeMismatch(event: Stripe.Event) {
  const mode = event.livemode ? "live" : "test";
  await raiseStaffAlert({
    kind: "livemode_mismatch",
    message:
      `A ${mode}-mode ${event.type} event (${event.id}) reached this ${stripeLivemode() ? "live" : "test"} ` +
      `deployment. It was stored and not processed: check which Stripe account's webhook points here.`,
    dedupeKey: `livemode:${event.id}`,
    stripeEventId: event.id,
  });
}
