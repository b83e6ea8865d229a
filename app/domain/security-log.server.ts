// A trace of requests refused for security reasons (a webhook whose signature does not verify): who and why, never
// the body of an unsigned request. Rate-limited in memory so a flood of refusals cannot become a flood of writes:
// at most one row per kind and address a minute (its `count` says how many refusals it stands for, the ones held back
// since the last row included), and at most 600 rows a minute in all.
import { RateLimiterMemory } from "rate-limiter-flexible";
import { db } from "#app/utils/db.server.ts";

export type SecurityEventKind = "webhook_signature";

const perAddress = new RateLimiterMemory({ points: 1, duration: 60, keyPrefix: "security-log" });
const overall = new RateLimiterMemory({ points: 600, duration: 60, keyPrefix: "security-log-all" });
/** Refusals held back by the limits, per kind and address: added to that key's next row. */
const heldBack = new Map<string, number>();
const MAX_HELD_KEYS = 10_000;

async function allowed(key: string) {
  try {
    await perAddress.consume(key);
    await overall.consume("all");
    return true;
  } catch {
    return false;
  }
}

/** Records one refusal; never throws (a failing log must not change the answer the request gets). */
export async function recordSecurityRefusal(kind: SecurityEventKind, address: string, reason: string): Promise<void> {
  const key = `${kind} ${address}`;
  if (!(await allowed(key))) {
    if (heldBack.size < MAX_HELD_KEYS || heldBack.has(key)) heldBack.set(key, (heldBack.get(key) ?? 0) + 1);
    return;
  }
  const count = 1 + (heldBack.get(key) ?? 0);
  heldBack.delete(key);
  await db()
    .securityEvent.create({ data: { kind, address: address.slice(0, 100), reason: reason.slice(0, 500), count } })
    .catch((error: Error) => console.warn(`[security] could not record a ${kind} refusal: ${error.message}`));
}
