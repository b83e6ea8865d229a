// Stripe events: the signature check on a webhook's raw body, reading the signed body as an event, and listing
// events for reconciliation. The entry layer (`app/webhooks/`) decides what to do with them.
import type Stripe from "stripe";
import { z } from "zod";
import { env } from "#app/utils/env.server.ts";
import { hasLoneSurrogate } from "#app/utils/text.ts";
import { stripe } from "./client.server.ts";

/** Seconds since the epoch from 2000 to 2100: a `created` outside is not a Stripe event's. */
const CREATED_MIN = 946_684_800;
const CREATED_MAX = 4_102_444_800;

/** The envelope every Stripe event has; handlers read `data.object` by type. */
const eventEnvelope = z
  .object({
    id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/, "id must be an evt_… id"),
    object: z.literal("event"),
    type: z
      .string()
      .max(100)
      .regex(/^[a-z0-9_.]+$/, "type must be lower-case letters, digits, _ and ."),
    created: z.number().int().min(CREATED_MIN).max(CREATED_MAX),
    account: z
      .string()
      .regex(/^acct_[A-Za-z0-9_]{1,250}$/, "account must be an acct_… id")
      .nullish(),
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

export type VerifiedEvent =
  | { ok: true; event: Stripe.Event }
  /** No or a bad signature: nothing from this body may be kept. */
  | { ok: false; signed: false; reason: string }
  /** Signed with our secret, but not an event we can read. */
  | { ok: false; signed: true; reason: string };

/**
 * Checks the signature on the exact bytes Stripe sent (stripe-node's verifier, as constructEvent uses it), then reads
 * the body as an event.
 */
export function verifyEvent(rawBody: string, signature: string | null): VerifiedEvent {
  if (!signature) return { ok: false, signed: false, reason: "No Stripe-Signature header" };
  const verifier = stripe().webhooks.signature;
  if (!verifier) throw new Error("stripe-node has no webhook signature verifier");
  try {
    verifier.verifyHeader(rawBody, signature, env().STRIPE_WEBHOOK_SECRET);
  } catch (error) {
    return { ok: false, signed: false, reason: (error as Error).message };
  }
  const read = readEvent(rawBody);
  return read.ok ? read : { ok: false, signed: true, reason: read.reason };
}

/**
 * Every event of these types created since `sinceSeconds`, newest first (Stripe's order); at most 20 types. The
 * platform's own events, or with `account` a connected account's (its `account.updated`, its payouts), which Stripe
 * lists only under that account; each carries `account`, as its webhook does.
 */
export async function* listEvents(input: {
  sinceSeconds: number;
  types: string[];
  account?: string;
}): AsyncIterable<Stripe.Event> {
  const events = stripe().events.list(
    { created: { gte: input.sinceSeconds }, types: input.types, limit: 100 },
    input.account ? { stripeAccount: input.account } : undefined,
  );
  for await (const event of events) yield input.account ? { ...event, account: input.account } : event;
}
