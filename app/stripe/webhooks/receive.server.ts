// The webhook pipeline: verify the signature on the raw body → store the event by its id → process it → record the
// outcome. A 2xx is answered only once the event is stored; a processing failure answers 500 so Stripe retries.
//
// A body that carries a valid signature but is not an event we can read (not JSON, not an object, fields missing or
// of the wrong type, text PostgreSQL cannot hold) answers 400 and is kept in `rejected_webhooks`, byte for byte, for
// staff to inspect. An unsigned body is never stored: only someone holding the webhook secret can add rows.
import type Stripe from "stripe";
import { z } from "zod";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { hasLoneSurrogate } from "#app/utils/text.ts";
import { stripe } from "../client.server.ts";
import { handlerFor } from "./dispatch.server.ts";

/** Seconds since the epoch from 2000 to 2100: a `created` outside is not a Stripe event's. */
const CREATED_MIN = 946_684_800;
const CREATED_MAX = 4_102_444_800;

/** The envelope every Stripe event has; handlers read `data.object` by type. */
const eventEnvelope = z
  .object({
    id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/, "id must be an evt_… id"),
    object: z.literal("event"),
    type: z.string().max(100).regex(/^[a-z0-9_.]+$/, "type must be lower-case letters, digits, _ and ."),
    created: z.number().int().min(CREATED_MIN).max(CREATED_MAX),
    account: z.string().regex(/^acct_[A-Za-z0-9_]{1,250}$/, "account must be an acct_… id").nullish(),
    api_version: z.string().max(100).nullish(),
    livemode: z.boolean().optional(),
    data: z
      .object({
        object: z.record(z.unknown()).refine((value) => !Array.isArray(value), "data.object must be an object"),
        previous_attributes: z.record(z.unknown()).nullish(),
      })
      .passthrough(),
  })
  .passthrough();

/** Nesting deeper than any Stripe object (PostgreSQL's jsonb and our handlers stay far from their limits). */
const MAX_JSON_DEPTH = 32;

/** Why a parsed JSON value cannot be stored as jsonb (NUL characters, lone surrogates, absurd nesting), or null. */
function unstorableJson(root: unknown): string | null {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\u0000")) return "contains a NUL character";
      // JSON.parse accepts "\ud800"; jsonb refuses it.
      if (hasLoneSurrogate(value)) return "contains an unpaired UTF-16 surrogate";
    } else if (value && typeof value === "object") {
      if (depth >= MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
      for (const [key, child] of Object.entries(value)) {
        stack.push([key, depth + 1], [child, depth + 1]);
      }
    }
  }
  return null;
}

/** The signed body as an event, or why it is not one. */
export function readEvent(rawBody: string): { ok: true; event: Stripe.Event } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch (error) {
    return { ok: false, reason: `The body is not JSON: ${(error as Error).message}` };
  }
  const unstorable = unstorableJson(parsed);
  if (unstorable) return { ok: false, reason: `The body ${unstorable}` };
  const envelope = eventEnvelope.safeParse(parsed);
  if (!envelope.success) {
    const issues = envelope.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
    return { ok: false, reason: `The body is not a Stripe event: ${issues.slice(0, 5).join("; ")}` };
  }
  return { ok: true, event: envelope.data as unknown as Stripe.Event };
}

/** Keeps a signed body we could not read, exactly as it came, with the reason and the signature header. */
async function keepRejected(rawBody: string, signature: string, reason: string) {
  await db().rejectedWebhook.create({
    data: { rawBody: Buffer.from(rawBody, "utf8"), signatureHeader: signature.slice(0, 2000), reason: reason.slice(0, 2000) },
  });
}

export type WebhookOutcome =
  | { status: 400; body: { error: string } }
  | { status: 200; body: { received: true; duplicate?: true; handled: boolean } }
  | { status: 500; body: { error: string } };

export async function receiveWebhook(rawBody: string, signature: string | null): Promise<WebhookOutcome> {
  if (!signature) return { status: 400, body: { error: "Webhook signature verification failed: No Stripe-Signature header" } };
  // Only the signature first (stripe-node's verifier, as constructEvent uses it); reading the body is ours, below.
  const verifier = stripe().webhooks.signature;
  if (!verifier) throw new Error("stripe-node has no webhook signature verifier");
  try {
    verifier.verifyHeader(rawBody, signature, env().STRIPE_WEBHOOK_SECRET);
  } catch (error) {
    return { status: 400, body: { error: `Webhook signature verification failed: ${(error as Error).message}` } };
  }
  const read = readEvent(rawBody);
  if (!read.ok) {
    console.warn(`[webhook] rejected a signed body: ${read.reason}`);
    await keepRejected(rawBody, signature, read.reason);
    return { status: 400, body: { error: read.reason } };
  }
  const { event } = read;
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
