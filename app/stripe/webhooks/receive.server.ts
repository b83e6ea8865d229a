// The webhook pipeline: verify the signature on the raw body → store the event by its id → process it → record the
// outcome. A 2xx is answered only once the event is stored; a processing failure answers 500 so Stripe retries.
import type Stripe from "stripe";
import { db, isUniqueViolation, Prisma } from "#app/utils/db.server.ts";
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
  try {
    const handled = await processStoredEvent(event);
    return { status: 200, body: { received: true, handled } };
  } catch (error) {
    // Stored on the event row for staff; Stripe retries on the 500.
    console.warn(`[webhook] ${event.type} ${event.id} failed: ${(error as Error)?.message ?? error}`);
    return { status: 500, body: { error: `Processing ${event.type} failed; Stripe will retry.` } };
  }
}

/** Inserts the event by its unique id; a redelivery only bumps the delivery count. */
export async function storeEvent(event: Stripe.Event): Promise<{ alreadyProcessed: boolean }> {
  try {
    await db().stripeEvent.create({
      data: {
        id: event.id,
        type: event.type,
        account: event.account ?? null,
        apiVersion: event.api_version ?? null,
        stripeCreatedAt: new Date(event.created * 1000),
        payload: event as unknown as Prisma.InputJsonValue,
      },
    });
    return { alreadyProcessed: false };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db().stripeEvent.update({
      where: { id: event.id },
      data: { deliveries: { increment: 1 } },
      select: { processedAt: true },
    });
    return { alreadyProcessed: existing.processedAt !== null };
  }
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
