// Renewals and dunning, driven by test clocks or the emulator clock: trial_will_end, period renewals with
// their invoices, dunning retries, pause_collection resumption and period-end cancellation.
import type Stripe from "stripe";
import { PLATFORM, type Emu } from "../context.js";
import { finishPayment } from "./payment-intents.js";
import {
  attemptPayment,
  collectInvoice,
  createInvoice,
  itemLines,
  openInvoices,
  type Customer,
  type Invoice,
} from "./invoices.js";
import {
  DAY,
  addInterval,
  cancelNow,
  itemsSnapshot,
  periodOf,
  reactivate,
  setPeriod,
  settle,
  type Subscription,
} from "./subscription-state.js";

function renew(em: Emu, owner: string, sub: Subscription, end: number): void {
  if (sub.cancel_at_period_end) return cancelNow(em, owner, sub, end, "cancellation_requested");
  const c = em.store.raw<Customer>(sub.customer as string)!;
  if (sub.status === "trialing" && !c.__card) {
    const behavior = sub.trial_settings?.end_behavior.missing_payment_method ?? "create_invoice";
    if (behavior === "cancel") {
      sub.canceled_at = end;
      return cancelNow(em, owner, sub, end, null);
    }
    if (behavior === "pause") return pauseAtTrialEnd(em, owner, sub, end);
  }
  const price = sub.items.data[0].price;
  const nextEnd = addInterval(end, price.recurring!.interval, price.recurring!.interval_count);
  const prev: Record<string, unknown> = { items: itemsSnapshot(sub), latest_invoice: sub.latest_invoice };
  if (sub.status === "trialing") prev.status = "trialing";
  setPeriod(sub, end, nextEnd);
  if (sub.status === "trialing") sub.status = "active";
  em.store.put(sub, owner);
  const inv = createInvoice(
    em,
    owner,
    sub,
    "subscription_cycle",
    { start: end, end: nextEnd },
    itemLines(em, sub, end, nextEnd),
  );
  const collected = collectInvoice(em, owner, sub, inv, end);
  settle(em, owner, sub, collected, prev);
  em.emit("customer.subscription.updated", sub, owner, prev);
  if (collected.result && collected.outcome === "paid") finishPayment(em, owner, collected.result);
}

function pauseAtTrialEnd(em: Emu, owner: string, sub: Subscription, end: number): void {
  sub.status = "paused";
  (sub as unknown as { status_details: Stripe.Subscription.StatusDetails }).status_details = {
    paused: { subscription: { type: "trial_end_without_payment_method" }, transitioned_at: end, type: "subscription" },
  } as Stripe.Subscription.StatusDetails;
  em.store.put(sub, owner);
  em.emit("customer.subscription.updated", sub, owner, { status: "trialing", status_details: null });
  em.emit("customer.subscription.paused", sub, owner);
}

/** A dunning retry of an open invoice; the last failed retry cancels (or marks unpaid) the subscription. */
function retry(em: Emu, owner: string, sub: Subscription, inv: Invoice, at: number): void {
  const c = attemptPayment(em, owner, sub, inv, at);
  const prev: Record<string, unknown> = {};
  if (c.outcome === "paid") {
    reactivate(em, owner, sub, prev);
    if (Object.keys(prev).length) em.emit("customer.subscription.updated", sub, owner, prev);
    if (c.result) finishPayment(em, owner, c.result);
    return;
  }
  if (c.outcome !== "failed" || inv.next_payment_attempt !== null) return;
  if (em.billing.finalAction === "unpaid") {
    if (sub.status === "unpaid") return;
    prev.status = sub.status;
    sub.status = "unpaid";
    em.store.put(sub, owner);
    em.emit("customer.subscription.updated", sub, owner, prev);
    return;
  }
  sub.canceled_at = at;
  cancelNow(em, owner, sub, at, "payment_failed");
}

interface Due {
  at: number;
  rank: number;
  run: () => void;
}

/** The next thing that happens to `sub` at or before `t` (in time order; ties in rank order). */
function nextDue(em: Emu, owner: string, sub: Subscription, t: number): Due | null {
  const due: Due[] = [];
  if (sub.status === "trialing" && sub.trial_end && !sub.__trialWillEndSent && t >= sub.trial_end - 3 * DAY) {
    due.push({
      at: sub.trial_end - 3 * DAY,
      rank: 0,
      run: () => {
        sub.__trialWillEndSent = true;
        em.store.put(sub, owner);
        em.emit("customer.subscription.trial_will_end", sub, owner);
      },
    });
  }
  const resumesAt = sub.pause_collection?.resumes_at;
  if (resumesAt && resumesAt <= t) {
    due.push({
      at: resumesAt,
      rank: 1,
      run: () => {
        const prev = { pause_collection: sub.pause_collection };
        sub.pause_collection = null;
        em.store.put(sub, owner);
        em.emit("customer.subscription.updated", sub, owner, prev);
      },
    });
  }
  if (sub.status === "past_due" || sub.status === "active") {
    for (const inv of openInvoices(em, owner, sub.id))
      if (inv.next_payment_attempt !== null && inv.next_payment_attempt <= t) {
        const at = inv.next_payment_attempt;
        due.push({ at, rank: 2, run: () => retry(em, owner, sub, inv, at) });
      }
  }
  const { end } = periodOf(sub);
  if ((sub.status === "active" || sub.status === "trialing" || sub.status === "past_due") && end <= t)
    due.push({ at: end, rank: 3, run: () => renew(em, owner, sub, end) });
  due.sort((a, b) => a.at - b.at || a.rank - b.rank);
  return due[0] ?? null;
}

/** Move a subscription forward to time `t`: trial_will_end, renewals, dunning retries, pause_collection resumption, period-end cancellation. */
export function advanceSubscription(em: Emu, sub: Subscription, t: number): void {
  const owner = em.store.ownerOf(sub.id) ?? PLATFORM;
  for (let guard = 0; guard < 1000; guard++) {
    if (sub.status === "canceled" || sub.status === "incomplete_expired") return;
    const d = nextDue(em, owner, sub, t);
    if (!d) return;
    d.run();
  }
}

/** Advance every live subscription whose customer follows `clock` (null = the emulator clock). */
export function advanceSubscriptionsFor(em: Emu, clock: string | null, t: number): void {
  const subs = em.store
    .all<Subscription>("subscription", null, (s) => (s.test_clock ?? null) === clock && s.status !== "canceled")
    .reverse();
  for (const sub of subs) advanceSubscription(em, sub, t);
}
