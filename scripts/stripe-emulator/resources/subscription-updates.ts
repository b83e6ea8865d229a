// Subscription updates (API and portal): cancel_at_period_end, metadata, pause_collection, price switches
// with prorations, and resuming a paused subscription.
import type Stripe from "stripe";
import type { Ctx, Emu } from "../context.js";
import { validate, int, bool, str, metadata, type Shape } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";
import type { FormObject, FormValue } from "../form.js";
import { finishPayment } from "./payment-intents.js";
import {
  addPendingItem,
  collectInvoice,
  createInvoice,
  itemLines,
  prorate,
  remainingTimeLine,
  timeFor,
  unusedTimeLine,
  type Collected,
  type LineSpec,
} from "./invoices.js";
import {
  addInterval,
  details,
  itemsSnapshot,
  periodOf,
  planOf,
  setPeriod,
  settle,
  subAmount,
  type Subscription,
} from "./subscription-state.js";

type Proration = "create_prorations" | "none" | "always_invoice";

const UPDATE_SHAPE: { [k: string]: Shape } = {
  cancel_at_period_end: true,
  metadata: "map",
  description: true,
  cancellation_details: { comment: true, feedback: true },
  proration_behavior: true,
  proration_date: true,
  billing_cycle_anchor: "any",
  items: "any",
  pause_collection: "any",
  payment_behavior: true,
};

function oneOf<T extends string>(v: FormValue | undefined, param: string, values: readonly T[]): T | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string" || !values.includes(v as T))
    throw invalidParam(param, `Invalid ${param}: must be one of ${values.join(", ")}`);
  return v as T;
}

/** `billing_cycle_anchor[type]` (API 2026-10-28 takes an object, not the older `now` string). */
function parseAnchor(v: FormValue | undefined): "now" | "unchanged" | undefined {
  if (v === undefined || v === "") return undefined;
  if (typeof v === "string")
    throw invalidParam(
      "billing_cycle_anchor",
      "Invalid object: in API version 2026-10-28.endive pass `billing_cycle_anchor[type]=now` or `billing_cycle_anchor[type]=unchanged`.",
    );
  const o = v as Record<string, FormValue>;
  for (const k of Object.keys(o))
    if (k !== "type")
      throw invalidParam(
        `billing_cycle_anchor[${k}]`,
        `Received unknown parameter: billing_cycle_anchor[${k}]`,
        "parameter_unknown",
      );
  const type = oneOf(o.type, "billing_cycle_anchor[type]", ["now", "unchanged"] as const);
  if (!type) throw missingParam("billing_cycle_anchor[type]");
  return type;
}

function parseItems(em: Emu, owner: string, sub: Subscription, v: FormValue | undefined): Stripe.Price | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalidParam("items", "Invalid array");
  if (v.length !== 1)
    throw invalidParam(
      "items",
      "The Stripe emulator only supports changing the price of the subscription's single item (`items[0][id]` + `items[0][price]`).",
    );
  const it = v[0] as Record<string, FormValue>;
  for (const k of Object.keys(it))
    if (k !== "id" && k !== "price")
      throw invalidParam(
        `items[0][${k}]`,
        `The Stripe emulator does not support \`items[0][${k}]\` on subscription updates; only \`items[0][id]\` + \`items[0][price]\` (a price switch) is emulated.`,
      );
  if (!it.id)
    throw invalidParam(
      "items[0][id]",
      "Adding subscription items is not emulated: pass `items[0][id]` (the existing subscription item) with `items[0][price]`.",
      "parameter_missing",
    );
  if (!sub.items.data.some((x) => x.id === it.id))
    throw invalidParam("items[0][id]", `No such subscription item: '${String(it.id)}'`, "resource_missing");
  if (!it.price) throw missingParam("items[0][price]");
  const price = em.store.get<Stripe.Price>(String(it.price), "price", owner, "items[0][price]");
  if (!price.active)
    throw invalidParam(
      "items[0][price]",
      `The price specified (${price.id}) is inactive. This field only accepts active prices.`,
    );
  if (price.type !== "recurring")
    throw invalidParam(
      "items[0][price]",
      `The price specified (${price.id}) is a one-time price. Subscription items only accept recurring prices.`,
    );
  if (price.currency !== sub.currency)
    throw invalidParam(
      "items[0][price]",
      `The price specified has a currency of \`${price.currency}\`, but the subscription's currency is \`${sub.currency}\`.`,
    );
  return price;
}

function parsePause(v: FormValue | undefined, t: number): Stripe.Subscription.PauseCollection | null | undefined {
  if (v === undefined) return undefined;
  if (v === "") return null;
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParam("pause_collection", "Invalid object");
  for (const k of Object.keys(v))
    if (k !== "behavior" && k !== "resumes_at")
      throw invalidParam(
        `pause_collection[${k}]`,
        `Received unknown parameter: pause_collection[${k}]`,
        "parameter_unknown",
      );
  const behavior = oneOf(v.behavior, "pause_collection[behavior]", [
    "keep_as_draft",
    "mark_uncollectible",
    "void",
  ] as const);
  if (!behavior) throw missingParam("pause_collection[behavior]");
  const resumesAt = int(v.resumes_at, "pause_collection[resumes_at]");
  if (resumesAt !== undefined && resumesAt <= t)
    throw invalidParam("pause_collection[resumes_at]", "`pause_collection[resumes_at]` must be in the future.");
  return { behavior, resumes_at: resumesAt ?? null };
}

export interface UpdateResult {
  sub: Subscription;
  after: () => void;
}

/** POST /v1/subscriptions/:id — also used by the portal so both emit the same events. */
export function updateSubscription(em: Emu, owner: string, sub: Subscription, p: FormObject, ctx?: Ctx): UpdateResult {
  validate(p, UPDATE_SHAPE);
  if (sub.status === "canceled") {
    const allowed = Object.keys(p).every((k) => k === "metadata" || k === "cancellation_details" || k === "expand");
    if (!allowed)
      throw invalidParam("id", "A canceled subscription can only update its cancellation_details and metadata.");
  }
  const t = timeFor(em, sub.customer as string);
  const pb = oneOf(p.payment_behavior, "payment_behavior", [
    "allow_incomplete",
    "default_incomplete",
    "error_if_incomplete",
    "pending_if_incomplete",
  ] as const);
  if (pb && pb !== "allow_incomplete")
    throw invalidParam(
      "payment_behavior",
      `The Stripe emulator only emulates \`payment_behavior=allow_incomplete\` (the default), not \`${pb}\`.`,
    );
  const proration =
    oneOf(p.proration_behavior, "proration_behavior", ["create_prorations", "none", "always_invoice"] as const) ??
    "create_prorations";
  const anchor = parseAnchor(p.billing_cycle_anchor);
  const price = parseItems(em, owner, sub, p.items);
  const prorationDate = int(p.proration_date, "proration_date");
  const pause = parsePause(p.pause_collection, t);
  const { start, end } = periodOf(sub);
  if (prorationDate !== undefined && (prorationDate < start || prorationDate > end))
    throw invalidParam("proration_date", "`proration_date` must be within the current billing period.");
  if (anchor === "now" && !price && sub.status !== "trialing")
    throw invalidParam(
      "billing_cycle_anchor",
      "The Stripe emulator only resets `billing_cycle_anchor` together with a price switch (`items[0][price]`).",
    );

  const prev: Record<string, unknown> = {};
  const cape = bool(p.cancel_at_period_end, "cancel_at_period_end");
  if (cape !== undefined && cape !== sub.cancel_at_period_end) {
    prev.cancel_at_period_end = sub.cancel_at_period_end;
    prev.cancel_at = sub.cancel_at;
    prev.canceled_at = sub.canceled_at;
    sub.cancel_at_period_end = cape;
    sub.cancel_at = cape ? end : null;
    sub.canceled_at = cape ? t : null;
    sub.cancellation_details = details(sub.cancellation_details, { reason: cape ? "cancellation_requested" : null });
  }
  const cd = p.cancellation_details as Record<string, string> | undefined;
  if (cd) sub.cancellation_details = details(sub.cancellation_details, { comment: cd.comment, feedback: cd.feedback });
  if (p.description !== undefined) {
    prev.description = sub.description;
    sub.description = str(p.description as string) ?? null;
  }
  if (p.metadata !== undefined) {
    prev.metadata = sub.metadata;
    sub.metadata = metadata(p.metadata, sub.metadata);
  }
  if (pause !== undefined) {
    prev.pause_collection = sub.pause_collection;
    sub.pause_collection = pause;
  }
  let collected: Collected | null = null;
  if (price && price.id !== sub.items.data[0].price.id)
    collected = switchPrice(em, owner, sub, price, proration, anchor, prorationDate ?? t, prev);
  em.store.put(sub, owner);
  if (Object.keys(prev).length) em.emit("customer.subscription.updated", sub, owner, prev, ctx);
  return {
    sub,
    after: () => {
      if (collected?.result && collected.outcome === "paid") finishPayment(em, owner, collected.result, ctx);
    },
  };
}

/**
 * Switch the subscription's price. Same interval: prorations for the rest of the period (pending items,
 * or invoiced now with always_invoice). Interval change or anchor reset: the period restarts now and is
 * invoiced at once (unused time credited unless proration_behavior=none). Trials are never prorated.
 */
function switchPrice(
  em: Emu,
  owner: string,
  sub: Subscription,
  price: Stripe.Price,
  proration: Proration,
  anchor: "now" | "unchanged" | undefined,
  t: number,
  prev: Record<string, unknown>,
): Collected | null {
  const it = sub.items.data[0];
  const old = it.price;
  prev.items = itemsSnapshot(sub);
  const swap = () => {
    it.price = price;
    (it as unknown as { plan: Stripe.Plan }).plan = planOf(price);
  };
  if (sub.status === "trialing") {
    swap();
    return null;
  }
  const { start, end } = periodOf(sub);
  const q = it.quantity ?? 1;
  const oldAmount = (old.unit_amount ?? 0) * q;
  const newAmount = (price.unit_amount ?? 0) * q;
  const intervalChange =
    old.recurring!.interval !== price.recurring!.interval ||
    old.recurring!.interval_count !== price.recurring!.interval_count;
  const credit = proration === "none" ? 0 : prorate(oldAmount, t, start, end);
  if (intervalChange || anchor === "now") {
    const lines: LineSpec[] = credit ? [unusedTimeLine(em, it, credit, t, end)] : [];
    swap();
    const newEnd = addInterval(t, price.recurring!.interval, price.recurring!.interval_count);
    setPeriod(sub, t, newEnd);
    prev.billing_cycle_anchor = sub.billing_cycle_anchor;
    sub.billing_cycle_anchor = t;
    return invoiceNow(em, owner, sub, { start: t, end: newEnd }, [...lines, ...itemLines(em, sub, t, newEnd)], t, prev);
  }
  swap();
  if (proration === "none") return null;
  const lines = [
    unusedTimeLine(em, it, credit, t, end),
    remainingTimeLine(em, it, price, prorate(newAmount, t, start, end), t, end),
  ].filter((l) => l.amount !== 0);
  if (proration === "create_prorations") {
    for (const l of lines) addPendingItem(em, owner, sub, l);
    return null;
  }
  return invoiceNow(em, owner, sub, { start: t, end }, lines, t, prev);
}

function invoiceNow(
  em: Emu,
  owner: string,
  sub: Subscription,
  period: { start: number; end: number },
  lines: LineSpec[],
  t: number,
  prev: Record<string, unknown>,
): Collected {
  if (prev.latest_invoice === undefined) prev.latest_invoice = sub.latest_invoice;
  const inv = createInvoice(em, owner, sub, "subscription_update", period, lines);
  const c = collectInvoice(em, owner, sub, inv, t);
  settle(em, owner, sub, c, prev);
  return c;
}

/** POST /v1/subscriptions/:id/resume — a paused subscription becomes active and is invoiced. */
export function resumeSubscription(em: Emu, owner: string, sub: Subscription, p: FormObject, ctx?: Ctx): UpdateResult {
  validate(p, { billing_cycle_anchor: "any", proration_behavior: true, proration_date: true, payment_behavior: true });
  if (sub.status !== "paused")
    throw invalidParam(
      "subscription",
      `Only a subscription with status \`paused\` can be resumed; this subscription's status is \`${sub.status}\`.`,
    );
  const anchor = parseAnchor(p.billing_cycle_anchor) ?? "now";
  const proration =
    oneOf(p.proration_behavior, "proration_behavior", ["create_prorations", "none", "always_invoice"] as const) ??
    "create_prorations";
  const pb = oneOf(p.payment_behavior, "payment_behavior", [
    "resume_on_payment_attempt",
    "resume_on_payment_success",
  ] as const);
  if (pb === "resume_on_payment_success")
    throw invalidParam(
      "payment_behavior",
      "The Stripe emulator only emulates `payment_behavior=resume_on_payment_attempt` (the default).",
    );
  const t = int(p.proration_date, "proration_date") ?? timeFor(em, sub.customer as string);
  const it = sub.items.data[0];
  const rec = it.price.recurring!;
  const prev: Record<string, unknown> = {
    status: "paused",
    status_details: (sub as { status_details?: unknown }).status_details ?? null,
    items: itemsSnapshot(sub),
    latest_invoice: sub.latest_invoice,
  };
  delete (sub as { status_details?: unknown }).status_details;
  sub.status = "active";
  let collected: Collected | null = null;
  if (anchor === "now") {
    const end = addInterval(t, rec.interval, rec.interval_count);
    setPeriod(sub, t, end);
    prev.billing_cycle_anchor = sub.billing_cycle_anchor;
    sub.billing_cycle_anchor = t;
    collected = invoiceNow(em, owner, sub, { start: t, end }, itemLines(em, sub, t, end), t, prev);
  } else {
    // keep the anchor: the period that contains now, prorated from now to its end
    let { start, end } = periodOf(sub);
    while (end <= t) {
      start = end;
      end = addInterval(end, rec.interval, rec.interval_count);
    }
    setPeriod(sub, start, end);
    const amount = proration === "none" ? 0 : prorate(subAmount(sub), t, start, end);
    const line = remainingTimeLine(em, it, it.price, amount, t, end);
    if (amount > 0 && proration === "create_prorations") addPendingItem(em, owner, sub, line);
    if (amount > 0 && proration === "always_invoice")
      collected = invoiceNow(em, owner, sub, { start: t, end }, [line], t, prev);
  }
  em.store.put(sub, owner);
  em.emit("customer.subscription.updated", sub, owner, prev, ctx);
  em.emit("customer.subscription.resumed", sub, owner, undefined, ctx);
  return {
    sub,
    after: () => {
      if (collected?.result && collected.outcome === "paid") finishPayment(em, owner, collected.result, ctx);
    },
  };
}
