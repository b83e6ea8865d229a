// Subscriptions: subscription-mode Checkout, renewals and dunning (driven by test clocks or the
// emulator clock), price switches with prorations, pause_collection, paused/resume, cancellation.
// Invoices are built and collected in invoices.ts; money moves through the same functions as
// one-time payments.
import type Stripe from "stripe";
import { PLATFORM, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now, rand } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, int, bool, str, metadata, type Shape } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";
import type { FormObject, FormValue } from "../form.js";
import { cardOutcome, finishPayment, type ConfirmResult } from "./payments.js";
import {
  attemptPayment,
  collectInvoice,
  createInvoice,
  itemLines,
  openInvoices,
  pendingItems,
  prorate,
  remainingTimeLine,
  timeFor,
  unusedTimeLine,
  addPendingItem,
  type Collected,
  type Customer,
  type Invoice,
  type LineSpec,
} from "./invoices.js";

export { timeFor };

type MissingPm = "cancel" | "create_invoice" | "pause";
export interface SubData {
  trial_period_days?: number;
  trial_end?: number;
  application_fee_percent?: number;
  destination?: string;
  metadata: Record<string, string>;
  description?: string;
  missing_payment_method?: MissingPm;
}

interface SubInternal {
  __trialWillEndSent?: boolean;
}
export type Subscription = Stripe.Subscription & SubInternal;

const DAY = 86400;

export function parseSubscriptionData(ctx: Ctx, sd: Record<string, FormValue> | undefined): SubData {
  const d = sd ?? {};
  const trialDays = int(d.trial_period_days, "subscription_data[trial_period_days]", { min: 1 });
  if (trialDays !== undefined && trialDays > 730)
    throw invalidParam(
      "subscription_data[trial_period_days]",
      "The maximum number of trial period days is 730 (2 years).",
    );
  const trialEnd = int(d.trial_end, "subscription_data[trial_end]");
  if (trialEnd !== undefined && trialEnd < now() + 2 * DAY)
    throw invalidParam("subscription_data[trial_end]", "The `trial_end` date has to be at least 2 days in the future.");
  if (trialDays !== undefined && trialEnd !== undefined)
    throw invalidParam(
      "subscription_data[trial_end]",
      "You may only specify one of these parameters: trial_end, trial_period_days.",
    );
  let pct: number | undefined;
  if (d.application_fee_percent !== undefined && d.application_fee_percent !== "") {
    pct = Number(d.application_fee_percent);
    if (!Number.isFinite(pct) || pct < 0 || pct > 100)
      throw invalidParam(
        "subscription_data[application_fee_percent]",
        "application_fee_percent must be a number between 0 and 100.",
      );
  }
  const td = d.transfer_data as Record<string, string> | undefined;
  if (pct !== undefined && !td && ctx.account === PLATFORM)
    throw invalidParam(
      "subscription_data[application_fee_percent]",
      "Can only apply an application_fee_percent when the subscription is a direct charge (Stripe-Account header) or a destination charge (`transfer_data[destination]`).",
    );
  if (td?.amount_percent !== undefined)
    throw invalidParam(
      "subscription_data[transfer_data][amount_percent]",
      "The Stripe emulator does not support `transfer_data[amount_percent]`; use `application_fee_percent`.",
    );
  if (td) {
    const dest = ctx.em.store.get<Stripe.Account>(
      td.destination,
      "account",
      PLATFORM,
      "subscription_data[transfer_data][destination]",
    );
    if ((dest.capabilities as Record<string, string> | undefined)?.transfers !== "active")
      throw invalidParam(
        "subscription_data[transfer_data][destination]",
        "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
        "insufficient_capabilities_for_transfer",
      );
  }
  return {
    trial_period_days: trialDays,
    trial_end: trialEnd,
    application_fee_percent: pct,
    destination: td?.destination,
    metadata: metadata(d.metadata),
    description: str(d.description as string),
    missing_payment_method: parseTrialSettings(d.trial_settings),
  };
}

function parseTrialSettings(v: FormValue | undefined): MissingPm | undefined {
  if (v === undefined || v === "") return undefined;
  const param = "subscription_data[trial_settings]";
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParam(param, "Invalid object");
  for (const k of Object.keys(v))
    if (k !== "end_behavior")
      throw invalidParam(`${param}[${k}]`, `Received unknown parameter: ${param}[${k}]`, "parameter_unknown");
  const eb = v.end_behavior as Record<string, FormValue> | undefined;
  if (!eb || typeof eb !== "object") throw missingParam(`${param}[end_behavior]`);
  for (const k of Object.keys(eb))
    if (k !== "missing_payment_method")
      throw invalidParam(
        `${param}[end_behavior][${k}]`,
        `Received unknown parameter: ${param}[end_behavior][${k}]`,
        "parameter_unknown",
      );
  const m = eb.missing_payment_method;
  if (m === undefined) throw missingParam(`${param}[end_behavior][missing_payment_method]`);
  if (m !== "cancel" && m !== "create_invoice" && m !== "pause")
    throw invalidParam(
      `${param}[end_behavior][missing_payment_method]`,
      "Invalid subscription_data[trial_settings][end_behavior][missing_payment_method]: must be one of cancel, create_invoice, or pause",
    );
  return m;
}

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

interface SessionLike {
  id: string;
  customer: string | Stripe.Customer | Stripe.DeletedCustomer | null;
  subscription: string | Stripe.Subscription | null;
  currency: string | null;
  status: string | null;
  payment_status: string;
  url: string | null;
  customer_details: Stripe.Checkout.Session.CustomerDetails | null;
  payment_method_collection: string | null;
  __sub?: SubData;
}

function ensureCustomer(
  em: Emu,
  owner: string,
  s: SessionLike,
  email: string,
  name: string | null,
  card: string | null,
): Customer {
  let c = s.customer ? em.store.raw<Customer>(s.customer as string) : undefined;
  if (!c) {
    c = {
      id: newId("cus"),
      object: "customer",
      address: null,
      balance: 0,
      created: now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      email,
      invoice_prefix: rand(8).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: {},
      name,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: null,
    } as Customer;
    if (card) {
      c.__card = card;
      c.invoice_settings.default_payment_method = newId("pm");
    }
    em.store.put(c, owner);
    em.emit("customer.created", c, owner);
  } else if (card) {
    c.__card = card;
    c.invoice_settings.default_payment_method = newId("pm");
    em.store.put(c, owner);
  }
  return c;
}

function lineItemsOf(em: Emu, sessionId: string): Stripe.LineItem[] {
  return (em.store.data.lineItems[sessionId] ?? []).map((id) => em.store.raw<Stripe.LineItem>(id)!);
}

export function subAmount(sub: Stripe.Subscription): number {
  return sub.items.data.reduce((t, it) => t + (it.price.unit_amount ?? 0) * (it.quantity ?? 1), 0);
}

export function periodOf(sub: Stripe.Subscription): { start: number; end: number } {
  const it = sub.items.data[0];
  return { start: it.current_period_start, end: it.current_period_end };
}

function setPeriod(sub: Stripe.Subscription, start: number, end: number): void {
  for (const it of sub.items.data) {
    it.current_period_start = start;
    it.current_period_end = end;
  }
}

function itemsSnapshot(sub: Stripe.Subscription): Stripe.ApiList<Stripe.SubscriptionItem> {
  return { ...sub.items, data: sub.items.data.map((i) => ({ ...i })) };
}

function buildSubscription(
  em: Emu,
  owner: string,
  customer: Customer,
  items: Stripe.LineItem[],
  d: SubData,
  currency: string,
): Subscription {
  const t = timeFor(em, customer.id);
  const id = newId("sub");
  const price0 = items[0].price!;
  const rec = price0.recurring!;
  const trialEnd = d.trial_end ?? (d.trial_period_days ? t + d.trial_period_days * DAY : null);
  const start = t;
  const end = trialEnd ?? addInterval(t, rec.interval, rec.interval_count);
  const subItems: Stripe.SubscriptionItem[] = items.map(
    (li) =>
      ({
        id: newId("si"),
        object: "subscription_item",
        billing_thresholds: null,
        created: t,
        current_period_end: end,
        current_period_start: start,
        current_trial: null,
        discounts: [],
        metadata: {},
        plan: planOf(li.price!),
        price: li.price!,
        quantity: li.quantity ?? 1,
        subscription: id,
        tax_rates: [],
      }) as unknown as Stripe.SubscriptionItem,
  );
  const sub = {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: d.application_fee_percent ?? null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: end === trialEnd ? trialEnd : start,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: t,
    currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: (customer.invoice_settings.default_payment_method as string | null) ?? null,
    default_source: null,
    default_tax_rates: [],
    description: d.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    items: { object: "list", data: subItems, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: d.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: start,
    status: trialEnd ? "trialing" : "active",
    test_clock: customer.test_clock,
    transfer_data: d.destination ? { amount_percent: null, destination: d.destination } : null,
    trial_end: trialEnd,
    trial_settings: {
      end_behavior: {
        billing_cycle_anchor: null,
        missing_payment_method: d.missing_payment_method ?? "create_invoice",
      },
    },
    trial_start: trialEnd ? start : null,
  } as unknown as Subscription;
  em.store.put(sub, owner);
  return sub;
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

export interface SubscriptionPayResult {
  status: ConfirmResult["status"];
  error?: ConfirmResult["error"];
  payment_intent: string | null;
}

/** Pay a subscription-mode Checkout Session (hosted page and /_emulator control). An empty card starts a card-less trial when allowed. */
export function paySubscriptionSession(
  em: Emu,
  owner: string,
  s: SessionLike,
  card: string,
  opts: { email: string; name: string | null; authenticated?: boolean | "failed" },
): SubscriptionPayResult {
  const d = s.__sub ?? { metadata: {} };
  const trial = d.trial_end !== undefined || d.trial_period_days !== undefined;
  const noCard = card.trim() === "" && trial && s.payment_method_collection === "if_required";
  if (!noCard) {
    const outcome = cardOutcome(card);
    // Decide the card's fate before creating anything, so a declined Checkout leaves no customer/subscription behind.
    if (outcome.kind === "invalid")
      return { status: "failed", error: { code: outcome.code!, message: outcome.message! }, payment_intent: null };
    if (outcome.kind === "authenticate" && opts.authenticated === undefined)
      return { status: "requires_action", payment_intent: null };
    if (opts.authenticated === "failed")
      return {
        status: "failed",
        error: {
          code: "setup_intent_authentication_failure",
          message:
            "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
        },
        payment_intent: null,
      };
    const attachesThenFails = card.replace(/[\s-]/g, "") === "4000000000000341";
    if (outcome.kind === "decline" && (!trial || !attachesThenFails))
      return {
        status: "failed",
        error: { code: outcome.code!, decline_code: outcome.decline_code, message: outcome.message! },
        payment_intent: null,
      };
  }
  const items = lineItemsOf(em, s.id);
  const customer = ensureCustomer(em, owner, s, opts.email, opts.name, noCard ? null : card);
  const sub = buildSubscription(em, owner, customer, items, d, s.currency ?? "usd");
  em.emit("customer.subscription.created", sub, owner);
  const { start, end } = periodOf(sub);
  // with a trial Stripe still creates (and pays) a $0 invoice
  const inv = createInvoice(
    em,
    owner,
    sub,
    "subscription_create",
    { start, end },
    itemLines(em, sub, start, end, trial),
  );
  const collected = collectInvoice(em, owner, sub, inv, start, trial ? undefined : { number: card, onSession: true });
  const prev = { status: "open", payment_status: "unpaid", url: s.url };
  s.status = "complete";
  s.payment_status = trial ? "no_payment_required" : "paid";
  s.url = null;
  s.customer = customer.id;
  s.subscription = sub.id;
  s.customer_details = {
    address: null,
    business_name: null,
    email: opts.email,
    individual_name: null,
    name: opts.name,
    phone: null,
    tax_exempt: "none",
    tax_ids: [],
  } as Stripe.Checkout.Session.CustomerDetails;
  em.store.put(s, owner);
  em.emit("checkout.session.completed", s, owner, prev);
  if (collected.result) finishPayment(em, owner, collected.result);
  const pi = collected.result?.charge?.payment_intent;
  return { status: "succeeded", payment_intent: (pi as string | undefined) ?? null };
}

// ---------------------------------------------------------------- state changes shared by renewals, the API and the portal

type CancelDetails = Stripe.Subscription.CancellationDetails;
function details(
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

function cancelNow(
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
function reactivate(em: Emu, owner: string, sub: Subscription, prev: Record<string, unknown>): void {
  if ((sub.status === "past_due" || sub.status === "unpaid") && openInvoices(em, owner, sub.id).length === 0) {
    prev.status = sub.status;
    sub.status = "active";
    em.store.put(sub, owner);
  }
}

/** Apply a collection outcome to the subscription's status (into `prev`), without emitting. */
function settle(em: Emu, owner: string, sub: Subscription, c: Collected, prev: Record<string, unknown>): void {
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

// ---------------------------------------------------------------- renewals and dunning

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

// ---------------------------------------------------------------- updates (API and portal)

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

// ---------------------------------------------------------------- customer card (portal)

export interface CardUpdateResult {
  ok: boolean;
  error?: string;
  paid: string[];
  failed: string[];
}

/**
 * Attach a new default card (portal form; same test-card rules as Checkout: declines are refused at
 * attach time, …0341 attaches but its charges fail, 3-D Secure is approved) and retry every open
 * invoice of the customer's past_due/unpaid subscriptions with it right away.
 */
export function setCustomerCard(em: Emu, owner: string, customerId: string, card: string): CardUpdateResult {
  const c = em.store.get<Customer>(customerId, "customer", owner, "customer");
  const num = card.replace(/[\s-]/g, "");
  const outcome = cardOutcome(num);
  if (outcome.kind === "invalid") return { ok: false, error: outcome.message, paid: [], failed: [] };
  if (outcome.kind === "decline" && num !== "4000000000000341")
    return { ok: false, error: outcome.message, paid: [], failed: [] };
  const prevPm = c.invoice_settings.default_payment_method;
  c.__card = num;
  c.invoice_settings.default_payment_method = newId("pm");
  em.store.put(c, owner);
  em.emit("customer.updated", c, owner, { invoice_settings: { default_payment_method: prevPm } });
  const out: CardUpdateResult = { ok: true, paid: [], failed: [] };
  const subs = em.store
    .all<Subscription>("subscription", owner, (s) => s.customer === c.id && s.status !== "canceled")
    .reverse();
  for (const sub of subs) {
    const prev: Record<string, unknown> = { default_payment_method: sub.default_payment_method };
    sub.default_payment_method = c.invoice_settings.default_payment_method as string;
    const paid: ConfirmResult[] = [];
    if (sub.status === "past_due" || sub.status === "unpaid") {
      for (const inv of openInvoices(em, owner, sub.id)) {
        const r = attemptPayment(em, owner, sub, inv, timeFor(em, c.id), { number: num, onSession: true });
        (r.outcome === "paid" ? out.paid : out.failed).push(inv.id);
        if (r.outcome === "paid" && r.result) paid.push(r.result);
      }
      if (paid.length) reactivate(em, owner, sub, prev);
    }
    em.store.put(sub, owner);
    em.emit("customer.subscription.updated", sub, owner, prev);
    for (const r of paid) finishPayment(em, owner, r);
  }
  return out;
}

/** Hosted invoice page: pay an open invoice with a card, or finish its 3-D Secure authentication. */
export function afterInvoicePayment(em: Emu, inv: Invoice, c: Collected): void {
  const owner = em.store.ownerOf(inv.id) ?? PLATFORM;
  const subId = inv.parent?.subscription_details?.subscription as string | undefined;
  const sub = subId ? em.store.raw<Subscription>(subId) : undefined;
  if (sub && c.outcome === "paid") {
    const prev: Record<string, unknown> = {};
    reactivate(em, owner, sub, prev);
    if (Object.keys(prev).length) em.emit("customer.subscription.updated", sub, owner, prev);
  }
  if (c.result && c.outcome === "paid") finishPayment(em, owner, c.result);
}

export function payInvoiceWithCard(em: Emu, inv: Invoice, card: string): Collected {
  const owner = em.store.ownerOf(inv.id) ?? PLATFORM;
  const sub = em.store.raw<Subscription>(inv.parent!.subscription_details!.subscription as string)!;
  const outcome = cardOutcome(card);
  if (outcome.kind === "invalid")
    return {
      outcome: "failed",
      result: { status: "failed", error: { code: outcome.code!, message: outcome.message! } },
    };
  const c = attemptPayment(em, owner, sub, inv, timeFor(em, inv.customer as string), { number: card, onSession: true });
  afterInvoicePayment(em, inv, c);
  return c;
}

// ---------------------------------------------------------------- routes

export function register(r: Router): void {
  r.add("GET", "/v1/subscriptions/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "subscription", ctx.account);
  });
  r.add("GET", "/v1/subscriptions", (ctx) => {
    validate(ctx.params, {
      ...LIST,
      customer: true,
      status: true,
      price: true,
      test_clock: true,
      collection_method: true,
      current_period_end: "any",
      current_period_start: "any",
      automatic_tax: "any",
    });
    const p = ctx.params;
    const status = str(p.status as string);
    const items = applyCreatedFilter(
      ctx.em.store.all<Subscription>(
        "subscription",
        ctx.account,
        (s) =>
          (!p.customer || s.customer === p.customer) &&
          (!p.test_clock || s.test_clock === p.test_clock) &&
          (!p.price || s.items.data.some((i) => i.price.id === p.price)) &&
          (status === "all" ? true : status ? s.status === status : s.status !== "canceled"),
      ),
      p.created,
    );
    return paginate(items, p as Record<string, string>, "/v1/subscriptions");
  });
  r.add("POST", "/v1/subscriptions/:id", (ctx, [id]) => {
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account);
    const u = updateSubscription(ctx.em, ctx.account, sub, ctx.params, ctx);
    u.after();
    return u.sub;
  });
  r.add("POST", "/v1/subscriptions/:id/resume", (ctx, [id]) => {
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account, "subscription");
    const u = resumeSubscription(ctx.em, ctx.account, sub, ctx.params, ctx);
    u.after();
    return u.sub;
  });
  r.add("DELETE", "/v1/subscriptions/:id", (ctx, [id]) => {
    validate(ctx.params, { cancellation_details: { comment: true, feedback: true }, invoice_now: true, prorate: true });
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account);
    if (sub.status === "canceled")
      throw invalidParam("id", `No such subscription: '${id}' is already canceled.`, "resource_missing");
    const cd = ctx.params.cancellation_details as Record<string, string> | undefined;
    if (cd)
      sub.cancellation_details = details(sub.cancellation_details, { comment: cd.comment, feedback: cd.feedback });
    const t = timeFor(ctx.em, sub.customer as string);
    sub.canceled_at = t;
    cancelNow(ctx.em, ctx.account, sub, t, "cancellation_requested", ctx);
    return sub;
  });
  r.add("GET", "/v1/invoices/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "invoice", ctx.account, "invoice");
  });
  r.add("GET", "/v1/invoices", (ctx) => {
    validate(ctx.params, {
      ...LIST,
      customer: true,
      subscription: true,
      status: true,
      collection_method: true,
      due_date: "any",
    });
    const p = ctx.params;
    const items = applyCreatedFilter(
      ctx.em.store.all<Stripe.Invoice>(
        "invoice",
        ctx.account,
        (i) =>
          (!p.customer || i.customer === p.customer) &&
          (!p.status || i.status === p.status) &&
          (!p.subscription || i.parent?.subscription_details?.subscription === p.subscription),
      ),
      p.created,
    );
    return paginate(items, p as Record<string, string>, "/v1/invoices");
  });
  r.add("GET", "/v1/invoiceitems/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "invoiceitem", ctx.account);
  });
  r.add("GET", "/v1/invoiceitems", (ctx) => {
    validate(ctx.params, { ...LIST, customer: true, invoice: true, pending: true });
    const p = ctx.params;
    const pending = bool(p.pending, "pending");
    const items = applyCreatedFilter(
      ctx.em.store
        .all<Stripe.InvoiceItem & { created: number }>(
          "invoiceitem",
          ctx.account,
          (i) =>
            (!p.customer || i.customer === p.customer) &&
            (!p.invoice || i.invoice === p.invoice) &&
            (pending === undefined || (i.invoice === null) === pending),
        )
        .map((i) => ({ ...i, created: i.date })),
      p.created,
    );
    return paginate(items, p as Record<string, string>, "/v1/invoiceitems");
  });
}

export { pendingItems };
