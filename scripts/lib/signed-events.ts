// Real Stripe events as Stripe delivers them: the body pretty-printed as Stripe (and the emulator) send it, with a
// `Stripe-Signature` header made with the endpoint's webhook secret; and a delivery plan that mixes in exact
// duplicates (same bytes, same signature) of events sent shortly or long before. Used by `npm run bench:chaos`.
import Stripe from "stripe";

const signer = new Stripe("sk_test_signer");

/** The body Stripe POSTs for `event`. */
export function eventBody(event: Stripe.Event): string {
  return JSON.stringify(event, null, 2);
}

/** A `Stripe-Signature` header for `body`, signed now (or at `timestamp`, in seconds). */
export function signBody(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return signer.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
}

export interface PlannedDelivery {
  /** Index in the plan. */
  index: number;
  eventId: string;
  type: string;
  body: string;
  signature: string;
  /** For an exact duplicate: the index of the delivery it copies. */
  duplicateOf?: number;
}

/** A small deterministic PRNG (mulberry32), so a plan is the same from run to run. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every event once, in the order given, plus `total - events.length` exact duplicates spread evenly among them. Each
 * duplicate copies a delivery made before it: half of them one of the last ten (likely still in flight or queued
 * when the copy arrives), half any earlier one (likely processed already). All are signed now; the sender re-signs
 * an attempt it retries, as Stripe does.
 */
export function deliveryPlan(events: Stripe.Event[], total: number, secret: string, seed = 14): PlannedDelivery[] {
  const random = seededRandom(seed);
  const duplicates = Math.max(0, total - events.length);
  const plan: PlannedDelivery[] = [];
  const timestamp = Math.floor(Date.now() / 1000);
  let made = 0;
  for (const [i, event] of events.entries()) {
    const body = eventBody(event);
    plan.push({
      index: plan.length,
      eventId: event.id,
      type: event.type,
      body,
      signature: signBody(body, secret, timestamp),
    });
    // Duplicates due after this many events, spread evenly (none before the tenth delivery).
    const due = Math.floor(((i + 1) * duplicates) / events.length);
    while (made < due && plan.length >= 10) {
      const near = made % 2 === 0;
      const from = near
        ? plan.length - 1 - Math.floor(random() * 10)
        : Math.floor(random() * Math.max(1, plan.length - 10));
      const original = plan[from]!;
      plan.push({ ...original, index: plan.length, duplicateOf: original.duplicateOf ?? original.index });
      made++;
    }
  }
  // Too few events to spread them (fewer than ten): the rest at the end.
  while (made < duplicates && plan.length) {
    const original = plan[Math.floor(random() * plan.length)]!;
    plan.push({ ...original, index: plan.length, duplicateOf: original.duplicateOf ?? original.index });
    made++;
  }
  return plan;
}
