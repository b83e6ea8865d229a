// The webhook pipeline: verify the signature on the raw body → store the event by its id → process it → record the
// outcome. A 2xx is answered only once the event is stored; a processing failure answers 500 so Stripe retries.
//
// A body that carries a valid signature but is not an event we can read (not JSON, not an object, fields missing or
// of the wrong type, text PostgreSQL cannot hold) answers 400 and is kept in `rejected_webhooks`, byte for byte, for
// staff to inspect. An unsigned body is never stored: only someone holding the webhook secret can add rows.
// Verifying and reading the body is the Stripe adapter's (`app/stripe/events.server.ts`); the rest is ours.
import type Stripe from "stripe";
import { verifyEvent } from "#app/stripe/events.server.ts";
import { db } from "#app/utils/db.server.ts";
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
  | { status: 200; body: { received: true; duplicate?: true; handled: boolean } }
  | { status: 500; body: { error: string } };

export async function receiveWebhook(rawBody: string, signature: string | null): Promise<WebhookOutcome> {
  const verified = verifyEvent(rawBody, signature);
  if (!verified.ok && !verified.signed)
    return { status: 400, body: { error: `Webhook signature verification failed: ${verified.reason}` } };
  if (!verified.ok) {
    console.warn(`[webhook] rejected a signed body: ${verified.reason}`);
    await keepRejected(rawBody, signature ?? "", verified.reason);
    return { status: 400, body: { error: verified.reason } };
  }
  const { event } = verified;
  const stored = await storeEvent(event);
  if (stored.alreadyProcessed) return { status: 200, body: { received: true, duplicate: true, handled: false } };
  if (stored.processedNow) return { status: 200, body: { received: true, handled: false } };
  try {
    const handled = await processStoredEvent(event);
    return { status: 200, body: { received: true, handled } };
  } catch (error) {
    // Stored on the event row for staff; Stripe retries on the 500.
    console.warn(`[webhook] ${event.type} ${event.id} failed: ${(error as Error)?.message ?? error}`);
    return { status: 500, body: { error: `Processing ${event.type} failed; Stripe will retry.` } };
  }
}

/** Inserts the event by its unique id; a redelivery only bumps the delivery count. One statement, one round trip. */
export async function storeEvent(event: Stripe.Event): Promise<{ alreadyProcessed: boolean; processedNow?: boolean }> {
  // Events without a handler are stored already processed (nothing to run), so they need no second statement.
  const noHandler = !handlerFor(event.type);
  const rows = await db().$queryRaw<{ inserted: boolean; processed: boolean }[]>`
    INSERT INTO "stripe_events" ("id", "type", "account", "apiVersion", "stripeCreatedAt", "payload", "processedAt")
    VALUES (${event.id}, ${event.type}, ${event.account ?? null}, ${event.api_version ?? null},
      ${new Date(event.created * 1000)}, ${JSON.stringify(event)}::jsonb, ${noHandler ? new Date() : null})
    ON CONFLICT ("id") DO UPDATE SET "deliveries" = "stripe_events"."deliveries" + 1
    RETURNING (xmax = 0) AS inserted, "processedAt" IS NOT NULL AS processed`;
  const row = rows[0]!;
  if (row.inserted) return { alreadyProcessed: false, processedNow: noHandler };
  return { alreadyProcessed: row.processed };
}

/**
 * Runs the event's handler (if any) and marks the event processed. Handlers are idempotent, so two deliveries that
 * race here both end in the same state. Returns whether a handler ran.
 */
export async function processStoredEvent(event: Stripe.Event): Promise<boolean> {
  const handler = handlerFor(event.type);
  try {
    if (handler) await handler(event);
    await db().stripeEvent.update({
      where: { id: event.id },
      data: { processedAt: new Date(), processingError: null },
    });
    return Boolean(handler);
  } catch (error) {
    await db()
      .stripeEvent.update({
        where: { id: event.id },
        data: { processingError: String((error as Error)?.stack ?? error).slice(0, 4000) },
      })
      .catch(() => {});
    throw error;
  }
}
