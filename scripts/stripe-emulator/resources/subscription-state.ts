// Subscription state shared by creation, renewals, updates and the portal: billing periods, the plan of a
// price, and the status changes (cancel now, back to active, past_due after a failed collection).
import type Stripe from "stripe";
import type { Ctx, Emu } from "../context.js";
import { openInvoices, type Collected } from "./invoices.js";

interface SubInternal {
  __trialWillEndSent?: boolean;
}
export type Subscription = Stripe.Subscription & SubInternal;

export const DAY = 86400;

/** Add one billing interval, clamping the day of month like Stripe (Jan 31 + 1 month = Feb 28/29). */
export function addInterval(t: number, interval: string, count: number): number {
  if (interval === "day") return t + count * DAY;
  if (interval === "week") return t + count * 7 * DAY;
  const d = new Date(t * 1000);
  const months = interval === "year" ? 12 * count : count;
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Math.floor(Date.UTC(y, m, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000);
}

export function subAmount(sub: Stripe.Subscription): number {
  return sub.items.data.reduce((t, it) => t + (it.price.unit_amount ?? 0) * (it.quantity ?? 1), 0);
}

export function periodOf(sub: Stripe.Subscription): { start: number; end: number } {
  const it = sub.items.data[0];
  return { start: it.current_period_start, end: it.current_period_end };
}

export function setPeriod(sub: Stripe.Subscription, start: number, end: number): void {
  for (const it of sub.items.data) {
    it.current_period_start = start;
    it.current_period_end = end;
  }
}

export function itemsSnapshot(sub: Stripe.Subscription): Stripe.ApiList<Stripe.SubscriptionItem> {
  return { ...sub.items, data: sub.items.data.map((i) => ({ ...i })) };
}

export function planOf(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: "per_unit",
    created: price.created,
    currency: price.currency,
    interval: price.recurring!.interval,
    interval_count: price.recurring!.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  } as unknown as Stripe.Plan;
}

type CancelDetails = Stripe.Subscription.CancellationDetails;
export function details(
  base: CancelDetails | null,
  patch: { comment?: string | null; feedback?: string | null; reason?: CancelDetails["reason"] },
): CancelDetails {
  const b =
    base ?? ({ comment: null, feedback: null, feedback_option: null, reason: null } as unknown as CancelDetails);
  return {
    ...b,
    ...(patch.comment !== undefined ? { comment: patch.comment || null } : {}),
    ...(patch.feedback !== undefined ? { feedback: (patch.feedback || null) as CancelDetails["feedback"] } : {}),
    ...(patch.reason !== undefined ? { reason: patch.reason } : {}),
  };
}

export function cancelNow(
  em: Emu,
  owner: string,
  sub: Subscription,
  at: number,
  reason: CancelDetails["reason"],
  ctx?: Ctx,
): void {
  sub.status = "canceled";
  sub.canceled_at = sub.canceled_at ?? at;
  sub.ended_at = at;
  sub.cancellation_details = details(sub.cancellation_details, { reason });
  em.store.put(sub, owner);
  em.emit("customer.subscription.deleted", sub, owner, undefined, ctx);
}

/** After an invoice of `sub` got paid: past_due/unpaid subscriptions with nothing left open become active again. */
export function reactivate(em: Emu, owner: string, sub: Subscription, prev: Record<string, unknown>): void {
  if ((sub.status === "past_due" || sub.status === "unpaid") && openInvoices(em, owner, sub.id).length === 0) {
    prev.status = sub.status;
    sub.status = "active";
    em.store.put(sub, owner);
  }
}

/** Apply a collection outcome to the subscription's status (into `prev`), without emitting. */
export function settle(em: Emu, owner: string, sub: Subscription, c: Collected, prev: Record<string, unknown>): void {
  if (c.outcome === "paid") return reactivate(em, owner, sub, prev);
  if (
    (c.outcome === "failed" || c.outcome === "requires_action") &&
    sub.status !== "past_due" &&
    sub.status !== "unpaid"
  ) {
    if (prev.status === undefined) prev.status = sub.status;
    sub.status = "past_due";
    em.store.put(sub, owner);
  }
}
