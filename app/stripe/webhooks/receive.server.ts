// The webhook pipeline: verify the signature on the raw body → store the event by its id → process it → record the
// outcome. A 2xx is answered only once the event is stored; a processing failure answers 500 so Stripe retries.
import type Stripe from "stripe";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { stripe } from "../client.server.ts";
import { handlerFor } from "./dispatch.server.ts";

export type WebhookOutcome =
  | { status: 400; body: { error: string } }
  | { status: 200; body: { received: true; duplicate?: true; handled: boolean } }
  | { status: 500; body: { error: string } };

export async function receiveWebhook(rawBody: string, signature: string | null): Promise<WebhookOutcome> {
  let event: Stripe.Event;
  try {
    if (!signature) throw new Error("No Stripe-Signature header");
    event = stripe().webhooks.constructEvent(rawBody, signature, env().STRIPE_WEBHOOK_SECRET);
  } catch (error) {
    return { status: 400, body: { error: `Webhook signature verification failed: ${(error as Error).message}` } };
  }
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
