// Subscriptions and invoices: subscription-mode Checkout, renewals (driven by test clocks or the
// emulator clock), cancellation. Money moves through the same functions as one-time payments.
import type Stripe from "stripe";
import { PLATFORM, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now, rand } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, int, bool, str, metadata } from "../validate.js";
import { invalidParam } from "../errors.js";
import type { FormValue } from "../form.js";
import { cardOutcome, confirmWithCard, createPaymentIntent, finishPayment, type ConfirmResult } from "./payments.js";

export interface SubData {
  trial_period_days?: number;
  trial_end?: number;
  application_fee_percent?: number;
  destination?: string;
  metadata: Record<string, string>;
  description?: string;
}

/** Internal fields kept on customers that paid through subscription Checkout. */
interface CustomerInternal { __card?: string }
type Customer = Stripe.Customer & CustomerInternal;
interface SubInternal { __trialWillEndSent?: boolean }
export type Subscription = Stripe.Subscription & SubInternal;

const DAY = 86400;

export function parseSubscriptionData(ctx: Ctx, sd: Record<string, FormValue> | undefined): SubData {
  const d = sd ?? {};
  const trialDays = int(d.trial_period_days, "subscription_data[trial_period_days]", { min: 1 });
  if (trialDays !== undefined && trialDays > 730) throw invalidParam("subscription_data[trial_period_days]", "The maximum number of trial period days is 730 (2 years).");
  const trialEnd = int(d.trial_end, "subscription_data[trial_end]");
  if (trialEnd !== undefined && trialEnd < now() + 2 * DAY) throw invalidParam("subscription_data[trial_end]", "The `trial_end` date has to be at least 2 days in the future.");
  if (trialDays !== undefined && trialEnd !== undefined) throw invalidParam("subscription_data[trial_end]", "You may only specify one of these parameters: trial_end, trial_period_days.");
  let pct: number | undefined;
  if (d.application_fee_percent !== undefined && d.application_fee_percent !== "") {
    pct = Number(d.application_fee_percent);
    if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw invalidParam("subscription_data[application_fee_percent]", "application_fee_percent must be a number between 0 and 100.");
  }
  const td = d.transfer_data as Record<string, string> | undefined;
  if (pct !== undefined && !td && ctx.account === PLATFORM)
    throw invalidParam("subscription_data[application_fee_percent]", "Can only apply an application_fee_percent when the subscription is a direct charge (Stripe-Account header) or a destination charge (`transfer_data[destination]`).");
  if (td?.amount_percent !== undefined) throw invalidParam("subscription_data[transfer_data][amount_percent]", "The Stripe emulator does not support `transfer_data[amount_percent]`; use `application_fee_percent`.");
  if (td) {
    const dest = ctx.em.store.get<Stripe.Account>(td.destination, "account", PLATFORM, "subscription_data[transfer_data][destination]");
    if ((dest.capabilities as Record<string, string> | undefined)?.transfers !== "active")
      throw invalidParam("subscription_data[transfer_data][destination]", "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments", "insufficient_capabilities_for_transfer");
  }
  return { trial_period_days: trialDays, trial_end: trialEnd, application_fee_percent: pct, destination: td?.destination, metadata: metadata(d.metadata), description: str(d.description as string) };
}

/** Seconds-level time for a customer: its test clock's frozen time, else the emulator clock. */
export function timeFor(em: Emu, customer: string | null): number {
  const c = customer ? em.store.raw<Stripe.Customer>(customer) : undefined;
  const clock = c?.test_clock ? em.store.raw<Stripe.TestHelpers.TestClock>(c.test_clock as string) : undefined;
  return clock ? clock.frozen_time : now();
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

interface SessionLike { id: string; customer: string | Stripe.Customer | Stripe.DeletedCustomer | null; subscription: string | Stripe.Subscription | null; currency: string | null; status: string | null; payment_status: string; url: string | null; customer_details: Stripe.Checkout.Session.CustomerDetails | null; __sub?: SubData }

function ensureCustomer(em: Emu, owner: string, s: SessionLike, email: string, name: string | null, card: string): Customer {
  let c = s.customer ? em.store.raw<Customer>(s.customer as string) : undefined;
  if (!c) {
    c = {
      id: newId("cus"), object: "customer", address: null, balance: 0, created: now(), currency: null, default_source: null,
      delinquent: false, description: null, email, invoice_prefix: rand(8).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false, metadata: {}, name, phone: null, preferred_locales: [], shipping: null, tax_exempt: "none", test_clock: null,
    } as Customer;
    c.__card = card;
    c.invoice_settings.default_payment_method = newId("pm");
    em.store.put(c, owner);
    em.emit("customer.created", c, owner);
  } else {
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

function buildSubscription(em: Emu, owner: string, customer: Customer, items: Stripe.LineItem[], d: SubData, currency: string): Subscription {
  const t = timeFor(em, customer.id);
  const id = newId("sub");
  const price0 = items[0].price!;
  const rec = price0.recurring!;
  const trialEnd = d.trial_end ?? (d.trial_period_days ? t + d.trial_period_days * DAY : null);
  const start = t;
  const end = trialEnd ?? addInterval(t, rec.interval, rec.interval_count);
  const subItems: Stripe.SubscriptionItem[] = items.map((li) => ({
    id: newId("si"), object: "subscription_item", billing_thresholds: null, created: t, current_period_end: end, current_period_start: start,
    current_trial: null, discounts: [], metadata: {}, plan: planOf(li.price!), price: li.price!, quantity: li.quantity ?? 1, subscription: id, tax_rates: [],
  }) as unknown as Stripe.SubscriptionItem);
  const sub = {
    id, object: "subscription", application: null, application_fee_percent: d.application_fee_percent ?? null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null }, billing_cycle_anchor: end === trialEnd ? trialEnd : start,
    billing_cycle_anchor_config: null, billing_mode: { flexible: null, type: "classic" }, billing_schedules: [], billing_thresholds: null,
    cancel_at: null, cancel_at_period_end: false, canceled_at: null, cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically", created: t, currency, customer: customer.id, customer_account: null, days_until_due: null,
    default_payment_method: (customer.invoice_settings.default_payment_method as string | null) ?? null, default_source: null, default_tax_rates: [],
    description: d.description ?? null, discounts: [], ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } }, items: { object: "list", data: subItems, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null, livemode: false, managed_payments: null, metadata: d.metadata, next_pending_invoice_item_invoice: null,
    on_behalf_of: null, pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: null, start_date: start,
    status: trialEnd ? "trialing" : "active", test_clock: customer.test_clock, transfer_data: d.destination ? { amount_percent: null, destination: d.destination } : null,
    trial_end: trialEnd, trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } }, trial_start: trialEnd ? start : null,
  } as unknown as Subscription;
  em.store.put(sub, owner);
  return sub;
}

function planOf(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id, object: "plan", active: price.active, amount: price.unit_amount, amount_decimal: price.unit_amount_decimal,
    billing_scheme: "per_unit", created: price.created, currency: price.currency, interval: price.recurring!.interval,
    interval_count: price.recurring!.interval_count, livemode: false, metadata: price.metadata, meter: null, nickname: price.nickname,
    product: price.product, tiers_mode: null, transform_usage: null, trial_period_days: null, usage_type: "licensed",
  } as unknown as Stripe.Plan;
}

function buildInvoice(em: Emu, owner: string, sub: Subscription, reason: "subscription_create" | "subscription_cycle", start: number, end: number): Stripe.Invoice {
  const c = em.store.raw<Customer>(sub.customer as string)!;
  const t = timeFor(em, c.id);
  const id = newId("in");
  const amount = subAmount(sub);
  const lines = sub.items.data.map((it) => ({
    id: newId("il"), object: "line_item", amount: (it.price.unit_amount ?? 0) * (it.quantity ?? 1), currency: sub.currency,
    description: `${it.quantity ?? 1} × ${it.price.nickname ?? it.price.id}`, discount_amounts: [], discountable: true, discounts: [], invoice: id,
    livemode: false, metadata: {}, parent: {
      invoice_item_details: null, type: "subscription_item_details",
      subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: sub.id, subscription_item: it.id },
    }, period: { end, start }, pretax_credit_amounts: [], pricing: { price_details: { price: it.price.id, product: it.price.product as string }, type: "price_details", unit_amount_decimal: it.price.unit_amount_decimal },
    quantity: it.quantity ?? 1, quantity_decimal: String(it.quantity ?? 1), subscription: sub.id, subtotal: (it.price.unit_amount ?? 0) * (it.quantity ?? 1), taxes: [],
  }) as unknown as Stripe.InvoiceLineItem);
  const inv = {
    id, object: "invoice", account_country: "US", account_name: "Emulator Marketplace", account_tax_ids: null, amount_due: amount,
    amount_overpaid: 0, amount_paid: 0, amount_remaining: amount, amount_shipping: 0, application: null, attempt_count: 0, attempted: false,
    auto_advance: true, automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null, billing_reason: reason, collection_method: "charge_automatically", created: t, currency: sub.currency,
    custom_fields: null, customer: c.id, customer_account: null, customer_address: null, customer_email: c.email, customer_name: c.name,
    customer_phone: null, customer_shipping: null, customer_tax_exempt: "none", customer_tax_ids: [], default_payment_method: null,
    default_source: null, default_tax_rates: [], description: null, discounts: [], due_date: null, effective_at: null, ending_balance: null,
    footer: null, from_invoice: null, hosted_invoice_url: null, invoice_pdf: null, issuer: { type: "self" }, last_finalization_error: null,
    latest_revision: null, lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${id}/lines` }, livemode: false,
    metadata: {}, next_payment_attempt: null, number: null, on_behalf_of: null,
    parent: { quote_details: null, subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id }, type: "subscription_details" },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: "list", data: [], has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: end, period_start: start, post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0, receipt_number: null,
    rendering: null, shipping_cost: null, shipping_details: null, starting_balance: 0, statement_descriptor: null, status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null }, subtotal: amount,
    subtotal_excluding_tax: amount, test_clock: sub.test_clock, total: amount, total_discount_amounts: [], total_excluding_tax: amount,
    total_pretax_credit_amounts: [], total_taxes: [], webhooks_delivered_at: t,
  } as unknown as Stripe.Invoice;
  em.store.put(inv, owner);
  em.emit("invoice.created", inv, owner);
  inv.status = "open";
  // numbered per customer prefix, like Stripe's default customer-level sequence (survives snapshots)
  const seq = em.store.all<Stripe.Invoice>("invoice", owner, (x) => x.customer === c.id && x.number !== null).length + 1;
  inv.number = `${c.invoice_prefix}-${String(seq).padStart(4, "0")}`;
  inv.effective_at = t;
  inv.status_transitions.finalized_at = t;
  inv.hosted_invoice_url = `${em.url}/invoices/${id}`;
  em.store.put(inv, owner);
  em.emit("invoice.finalized", inv, owner, { status: "draft", number: null });
  sub.latest_invoice = id;
  em.store.put(sub, owner);
  return inv;
}

export interface InvoicePayResult { status: ConfirmResult["status"]; result: ConfirmResult; payment_intent: string }

/** Charge an open invoice with a card: PI + charge + fee + transfer exactly as one-time payments. */
function payInvoice(em: Emu, owner: string, sub: Subscription, inv: Stripe.Invoice, card: string, opts: { email: string | null; name: string | null; authenticated?: boolean | "failed" }): InvoicePayResult {
  const amount = inv.amount_due;
  const pct = sub.application_fee_percent;
  const fee = pct !== null && pct !== undefined ? Math.round((amount * pct) / 100) : undefined;
  const dest = sub.transfer_data?.destination as string | undefined;
  const pi = createPaymentIntent(em, owner, amount, inv.currency, {
    application_fee_amount: fee, transfer_destination: dest, metadata: {},
    description: inv.billing_reason === "subscription_create" ? "Subscription creation" : "Subscription update",
  }, sub.customer as string);
  const r = confirmWithCard(em, owner, pi, card, { email: opts.email, name: opts.name, authenticated: opts.authenticated });
  const t = timeFor(em, sub.customer as string);
  inv.attempt_count += 1;
  inv.attempted = true;
  inv.payments!.data.unshift({
    id: newId("inpay"), object: "invoice_payment", amount_paid: r.status === "succeeded" ? amount : null, amount_requested: amount, created: t,
    currency: inv.currency, invoice: inv.id, is_default: true, livemode: false, payment: { payment_intent: pi.id, type: "payment_intent" },
    status: r.status === "succeeded" ? "paid" : "open", status_transitions: { canceled_at: null, paid_at: r.status === "succeeded" ? t : null },
  } as Stripe.InvoicePayment);
  if (r.status === "succeeded") {
    inv.status = "paid";
    inv.amount_paid = amount;
    inv.amount_remaining = 0;
    inv.status_transitions.paid_at = t;
    inv.next_payment_attempt = null;
    em.store.put(inv, owner);
    em.emit("invoice.paid", inv, owner, { status: "open", amount_paid: 0, amount_remaining: amount });
    em.emit("invoice.payment_succeeded", inv, owner);
  } else if (r.status === "failed") {
    inv.next_payment_attempt = null; // smart retries are not emulated
    em.store.put(inv, owner);
    em.emit("invoice.payment_failed", inv, owner);
  } else {
    em.store.put(inv, owner);
  }
  return { status: r.status, result: r, payment_intent: pi.id };
}

export interface SubscriptionPayResult { status: ConfirmResult["status"]; error?: ConfirmResult["error"]; payment_intent: string | null }

/** Pay a subscription-mode Checkout Session (hosted page and /_emulator control). */
export function paySubscriptionSession(em: Emu, owner: string, s: SessionLike, card: string, opts: { email: string; name: string | null; authenticated?: boolean | "failed" }): SubscriptionPayResult {
  const d = s.__sub ?? { metadata: {} };
  const trial = d.trial_end !== undefined || d.trial_period_days !== undefined;
  const outcome = cardOutcome(card);
  // Decide the card's fate before creating anything, so a declined Checkout leaves no customer/subscription behind.
  if (outcome.kind === "invalid") return { status: "failed", error: { code: outcome.code!, message: outcome.message! }, payment_intent: null };
  if (outcome.kind === "authenticate" && opts.authenticated === undefined) return { status: "requires_action", payment_intent: null };
  if (opts.authenticated === "failed")
    return { status: "failed", error: { code: "setup_intent_authentication_failure", message: "We are unable to authenticate your payment method. Please choose a different payment method and try again." }, payment_intent: null };
  const attachesThenFails = card.replace(/[\s-]/g, "") === "4000000000000341";
  if (outcome.kind === "decline" && (!trial || !attachesThenFails)) return { status: "failed", error: { code: outcome.code!, decline_code: outcome.decline_code, message: outcome.message! }, payment_intent: null };
  const items = lineItemsOf(em, s.id);
  const customer = ensureCustomer(em, owner, s, opts.email, opts.name, card);
  const sub = buildSubscription(em, owner, customer, items, d, s.currency ?? "usd");
  em.emit("customer.subscription.created", sub, owner);
  let payment: InvoicePayResult | null = null;
  if (!trial) {
    const { start, end } = periodOf(sub);
    const inv = buildInvoice(em, owner, sub, "subscription_create", start, end);
    payment = payInvoice(em, owner, sub, inv, card, { email: opts.email, name: opts.name, authenticated: true });
  }
  const prev = { status: "open", payment_status: "unpaid", url: s.url };
  s.status = "complete";
  s.payment_status = trial ? "no_payment_required" : "paid";
  s.url = null;
  s.customer = customer.id;
  s.subscription = sub.id;
  s.customer_details = { address: null, business_name: null, email: opts.email, individual_name: null, name: opts.name, phone: null, tax_exempt: "none", tax_ids: [] } as Stripe.Checkout.Session.CustomerDetails;
  em.store.put(s, owner);
  em.emit("checkout.session.completed", s, owner, prev);
  if (payment) finishPayment(em, owner, payment.result);
  return { status: "succeeded", payment_intent: payment?.payment_intent ?? null };
}

// ---------------------------------------------------------------- renewals

function emitUpdated(em: Emu, owner: string, sub: Subscription, prev: Record<string, unknown>): void {
  em.emit("customer.subscription.updated", sub, owner, prev);
}

type CancelDetails = Stripe.Subscription.CancellationDetails;
function details(base: CancelDetails | null, patch: { comment?: string | null; feedback?: string | null; reason?: CancelDetails["reason"] }): CancelDetails {
  const b = base ?? ({ comment: null, feedback: null, feedback_option: null, reason: null } as unknown as CancelDetails);
  return {
    ...b,
    ...(patch.comment !== undefined ? { comment: patch.comment || null } : {}),
    ...(patch.feedback !== undefined ? { feedback: (patch.feedback || null) as CancelDetails["feedback"] } : {}),
    ...(patch.reason !== undefined ? { reason: patch.reason } : {}),
  };
}

function cancelNow(em: Emu, owner: string, sub: Subscription, at: number, reason: Stripe.Subscription.CancellationDetails.Reason, ctx?: Ctx): void {
  sub.status = "canceled";
  sub.canceled_at = sub.canceled_at ?? at;
  sub.ended_at = at;
  sub.cancellation_details = details(sub.cancellation_details, { reason });
  em.store.put(sub, owner);
  em.emit("customer.subscription.deleted", sub, owner, undefined, ctx);
}

/** Move a subscription forward to time `t`: trial_will_end, renewals (invoice + payment), period-end cancellation. */
export function advanceSubscription(em: Emu, sub: Subscription, t: number): void {
  const owner = em.store.ownerOf(sub.id) ?? PLATFORM;
  for (let guard = 0; guard < 1000; guard++) {
    if (sub.status === "canceled" || sub.status === "past_due" || sub.status === "incomplete_expired") return;
    if (sub.status === "trialing" && sub.trial_end && !sub.__trialWillEndSent && t >= sub.trial_end - 3 * DAY) {
      sub.__trialWillEndSent = true;
      em.store.put(sub, owner);
      em.emit("customer.subscription.trial_will_end", sub, owner);
    }
    const { end } = periodOf(sub);
    if (t < end) return;
    if (sub.cancel_at_period_end) return cancelNow(em, owner, sub, end, "cancellation_requested");
    const price = sub.items.data[0].price;
    const nextEnd = addInterval(end, price.recurring!.interval, price.recurring!.interval_count);
    const prev: Record<string, unknown> = { items: { ...sub.items, data: sub.items.data.map((i) => ({ ...i })) }, latest_invoice: sub.latest_invoice };
    if (sub.status === "trialing") prev.status = "trialing";
    setPeriod(sub, end, nextEnd);
    if (sub.status === "trialing") sub.status = "active";
    em.store.put(sub, owner);
    const inv = buildInvoice(em, owner, sub, "subscription_cycle", end, nextEnd);
    const c = em.store.raw<Customer>(sub.customer as string)!;
    const r = payInvoice(em, owner, sub, inv, c.__card ?? "4242424242424242", { email: c.email, name: c.name ?? null, authenticated: true });
    if (r.status !== "succeeded") {
      if (prev.status === undefined) prev.status = sub.status;
      sub.status = "past_due";
      em.store.put(sub, owner);
      emitUpdated(em, owner, sub, prev);
      return;
    }
    emitUpdated(em, owner, sub, prev);
    finishPayment(em, owner, r.result);
  }
}

/** Advance every live subscription whose customer follows `clock` (null = the emulator clock). */
export function advanceSubscriptionsFor(em: Emu, clock: string | null, t: number): void {
  const subs = em.store.all<Subscription>("subscription", null, (s) => (s.test_clock ?? null) === clock && s.status !== "canceled").reverse();
  for (const sub of subs) advanceSubscription(em, sub, t);
}

// ---------------------------------------------------------------- routes

export function register(r: Router): void {
  r.add("GET", "/v1/subscriptions/:id", (ctx, [id]) => { validate(ctx.params, {}); return ctx.em.store.get(id, "subscription", ctx.account); });
  r.add("GET", "/v1/subscriptions", (ctx) => {
    validate(ctx.params, { ...LIST, customer: true, status: true, price: true, test_clock: true, collection_method: true, current_period_end: "any", current_period_start: "any", automatic_tax: "any" });
    const p = ctx.params;
    const status = str(p.status as string);
    const items = applyCreatedFilter(ctx.em.store.all<Subscription>("subscription", ctx.account, (s) =>
      (!p.customer || s.customer === p.customer) && (!p.test_clock || s.test_clock === p.test_clock) &&
      (!p.price || s.items.data.some((i) => i.price.id === p.price)) &&
      (status === "all" ? true : status ? s.status === status : s.status !== "canceled")), p.created);
    return paginate(items, p as Record<string, string>, "/v1/subscriptions");
  });
  r.add("POST", "/v1/subscriptions/:id", (ctx, [id]) => {
    validate(ctx.params, { cancel_at_period_end: true, metadata: "map", description: true, cancellation_details: { comment: true, feedback: true }, proration_behavior: true });
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account);
    if (sub.status === "canceled") throw invalidParam("id", "A canceled subscription can only update its cancellation_details and metadata.");
    const prev: Record<string, unknown> = {};
    const cape = bool(ctx.params.cancel_at_period_end, "cancel_at_period_end");
    if (cape !== undefined && cape !== sub.cancel_at_period_end) {
      prev.cancel_at_period_end = sub.cancel_at_period_end;
      prev.cancel_at = sub.cancel_at;
      prev.canceled_at = sub.canceled_at;
      sub.cancel_at_period_end = cape;
      sub.cancel_at = cape ? periodOf(sub).end : null;
      sub.canceled_at = cape ? timeFor(ctx.em, sub.customer as string) : null;
      sub.cancellation_details = details(sub.cancellation_details, { reason: cape ? "cancellation_requested" : null });
    }
    const cd = ctx.params.cancellation_details as Record<string, string> | undefined;
    if (cd) sub.cancellation_details = details(sub.cancellation_details, { comment: cd.comment, feedback: cd.feedback });
    if (ctx.params.description !== undefined) { prev.description = sub.description; sub.description = str(ctx.params.description as string) ?? null; }
    if (ctx.params.metadata !== undefined) { prev.metadata = sub.metadata; sub.metadata = metadata(ctx.params.metadata, sub.metadata); }
    ctx.em.store.put(sub, ctx.account);
    if (Object.keys(prev).length) ctx.em.emit("customer.subscription.updated", sub, ctx.account, prev, ctx);
    return sub;
  });
  r.add("DELETE", "/v1/subscriptions/:id", (ctx, [id]) => {
    validate(ctx.params, { cancellation_details: { comment: true, feedback: true }, invoice_now: true, prorate: true });
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account);
    if (sub.status === "canceled") throw invalidParam("id", `No such subscription: '${id}' is already canceled.`, "resource_missing");
    const cd = ctx.params.cancellation_details as Record<string, string> | undefined;
    if (cd) sub.cancellation_details = details(sub.cancellation_details, { comment: cd.comment, feedback: cd.feedback });
    const t = timeFor(ctx.em, sub.customer as string);
    sub.canceled_at = t;
    cancelNow(ctx.em, ctx.account, sub, t, "cancellation_requested", ctx);
    return sub;
  });
  r.add("GET", "/v1/invoices/:id", (ctx, [id]) => { validate(ctx.params, {}); return ctx.em.store.get(id, "invoice", ctx.account, "invoice"); });
  r.add("GET", "/v1/invoices", (ctx) => {
    validate(ctx.params, { ...LIST, customer: true, subscription: true, status: true, collection_method: true, due_date: "any" });
    const p = ctx.params;
    const items = applyCreatedFilter(ctx.em.store.all<Stripe.Invoice>("invoice", ctx.account, (i) =>
      (!p.customer || i.customer === p.customer) && (!p.status || i.status === p.status) &&
      (!p.subscription || i.parent?.subscription_details?.subscription === p.subscription)), p.created);
    return paginate(items, p as Record<string, string>, "/v1/invoices");
  });
}
