// Invoices of subscriptions: building (subscription lines, pending proration items, customer credit
// balance), finalizing, and collecting them (pause_collection behaviours, $0 invoices, card payments
// with the same money movement as one-time destination charges, 3-D Secure, dunning schedule).
import type Stripe from "stripe";
import type { Emu } from "../context.js";
import { PLATFORM } from "../store.js";
import { newId, now } from "../ids.js";
import { formatAmount } from "../money.js";
import { cardOutcome } from "./cards.js";
import { confirmWithCard, createPaymentIntent, type ConfirmResult } from "./payment-intents.js";

const DAY = 86400;

/** Internal fields kept on customers: the card number used for off-session charges. */
export interface CustomerInternal {
  __card?: string;
}
export type Customer = Stripe.Customer & CustomerInternal;
/** Internal fields of invoices: dunning start and the card of a payment waiting for authentication. */
export interface InvoiceInternal {
  __firstFailedAt?: number;
  __actionCard?: string;
}
export type Invoice = Stripe.Invoice & InvoiceInternal;

export interface BillingOptions {
  retryDays: number[]; // dunning: retries this many days after the first failed attempt
  finalAction: "cancel" | "unpaid"; // when the last retry fails
}
export const DEFAULT_BILLING: BillingOptions = { retryDays: [3, 5, 7], finalAction: "cancel" };

/** Seconds-level time for a customer: its test clock's frozen time, else the emulator clock. */
export function timeFor(em: Emu, customer: string | null): number {
  const c = customer ? em.store.raw<Stripe.Customer>(customer) : undefined;
  const clock = c?.test_clock ? em.store.raw<Stripe.TestHelpers.TestClock>(c.test_clock as string) : undefined;
  return clock ? clock.frozen_time : now();
}

export function productName(em: Emu, price: Stripe.Price): string {
  return em.store.raw<Stripe.Product>(price.product as string)?.name ?? price.nickname ?? price.id;
}

export function priceLabel(price: Stripe.Price): string {
  const r = price.recurring;
  const every = !r ? "" : r.interval_count === 1 ? ` / ${r.interval}` : ` every ${r.interval_count} ${r.interval}s`;
  return `${formatAmount(price.unit_amount ?? 0, price.currency)}${every}`;
}

function day(t: number): string {
  return new Date(t * 1000).toUTCString().slice(5, 16);
}

// ---------------------------------------------------------------- lines and pending items

export interface LineSpec {
  amount: number;
  description: string;
  price: Stripe.Price;
  quantity: number;
  period: { start: number; end: number };
  proration: boolean;
  subItem: string | null;
  invoiceItem: string | null;
}

/** Per-second proration of `amount` for the part of [start, end) after `t`, rounded to minor units. */
export function prorate(amount: number, t: number, start: number, end: number): number {
  if (end <= start || t >= end) return 0;
  if (t <= start) return amount;
  return Math.round((amount * (end - t)) / (end - start));
}

export function unusedTimeLine(em: Emu, it: Stripe.SubscriptionItem, amount: number, t: number, end: number): LineSpec {
  return {
    amount: -amount,
    description: `Unused time on ${productName(em, it.price)} after ${day(t)}`,
    price: it.price,
    quantity: it.quantity ?? 1,
    period: { start: t, end },
    proration: true,
    subItem: it.id,
    invoiceItem: null,
  };
}
export function remainingTimeLine(
  em: Emu,
  it: Stripe.SubscriptionItem,
  price: Stripe.Price,
  amount: number,
  t: number,
  end: number,
): LineSpec {
  return {
    amount,
    description: `Remaining time on ${productName(em, price)} after ${day(t)}`,
    price,
    quantity: it.quantity ?? 1,
    period: { start: t, end },
    proration: true,
    subItem: it.id,
    invoiceItem: null,
  };
}
export function itemLines(em: Emu, sub: Stripe.Subscription, start: number, end: number, zero = false): LineSpec[] {
  return sub.items.data.map((it) => {
    const q = it.quantity ?? 1;
    const description = zero
      ? `Trial period for ${productName(em, it.price)}`
      : `${q} × ${productName(em, it.price)} (at ${priceLabel(it.price)})`;
    return {
      amount: zero ? 0 : (it.price.unit_amount ?? 0) * q,
      description,
      price: it.price,
      quantity: q,
      period: { start, end },
      proration: false,
      subItem: it.id,
      invoiceItem: null,
    };
  });
}

type InvoiceItem = Stripe.InvoiceItem & { __line: LineSpec };

/** A pending invoice item (proration) that the subscription's next invoice picks up. */
export function addPendingItem(em: Emu, owner: string, sub: Stripe.Subscription, l: LineSpec): void {
  const t = timeFor(em, sub.customer as string);
  const ii = {
    id: newId("ii"),
    object: "invoiceitem",
    amount: l.amount,
    currency: sub.currency,
    customer: sub.customer,
    customer_account: null,
    date: t,
    description: l.description,
    discountable: false,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: {},
    net_amount: l.amount,
    parent: {
      type: "subscription_details",
      subscription_details: { subscription: sub.id, subscription_item: l.subItem },
    },
    period: l.period,
    pricing: {
      price_details: { price: l.price.id, product: l.price.product as string },
      type: "price_details",
      unit_amount_decimal: String(l.amount),
    },
    proration: l.proration,
    proration_details: { discount_amounts: [] },
    quantity: 1,
    quantity_decimal: "1",
    tax_rates: [],
    test_clock: sub.test_clock,
    __line: { ...l },
  } as unknown as InvoiceItem;
  ii.__line.invoiceItem = ii.id;
  em.store.put(ii, owner);
  em.emit("invoiceitem.created", ii, owner);
}

export function pendingItems(em: Emu, owner: string, subId: string): InvoiceItem[] {
  return em.store
    .all<InvoiceItem>(
      "invoiceitem",
      owner,
      (ii) => ii.invoice === null && ii.parent?.subscription_details?.subscription === subId,
    )
    .reverse();
}

// ---------------------------------------------------------------- building

export type Reason = "subscription_create" | "subscription_cycle" | "subscription_update";

/** Create an invoice for `sub` with the given lines plus its pending items; finalize it unless collection is paused as drafts. */
export function createInvoice(
  em: Emu,
  owner: string,
  sub: Stripe.Subscription,
  reason: Reason,
  period: { start: number; end: number },
  specs: LineSpec[],
): Invoice {
  const c = em.store.raw<Customer>(sub.customer as string)!;
  const t = timeFor(em, c.id);
  const id = newId("in");
  const pending = pendingItems(em, owner, sub.id);
  const all = [...specs, ...pending.map((ii) => ii.__line)];
  const lines = all.map(
    (l) =>
      ({
        id: newId("il"),
        object: "line_item",
        amount: l.amount,
        currency: sub.currency,
        description: l.description,
        discount_amounts: [],
        discountable: !l.proration,
        discounts: [],
        invoice: id,
        livemode: false,
        metadata: {},
        parent: l.invoiceItem
          ? {
              type: "invoice_item_details",
              subscription_item_details: null,
              invoice_item_details: {
                invoice_item: l.invoiceItem,
                proration: l.proration,
                proration_details: { credited_items: null },
                subscription: sub.id,
              },
            }
          : {
              type: "subscription_item_details",
              invoice_item_details: null,
              subscription_item_details: {
                invoice_item: null,
                proration: l.proration,
                proration_details: { credited_items: null },
                subscription: sub.id,
                subscription_item: l.subItem,
              },
            },
        period: l.period,
        pretax_credit_amounts: [],
        pricing: {
          price_details: { price: l.price.id, product: l.price.product as string },
          type: "price_details",
          unit_amount_decimal: l.proration ? String(l.amount) : l.price.unit_amount_decimal,
        },
        quantity: l.quantity,
        quantity_decimal: String(l.quantity),
        subscription: sub.id,
        subtotal: l.amount,
        taxes: [],
      }) as unknown as Stripe.InvoiceLineItem,
  );
  const total = all.reduce((s, l) => s + l.amount, 0);
  const inv = {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Emulator Marketplace",
    account_tax_ids: null,
    amount_due: Math.max(total, 0),
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: Math.max(total, 0),
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: reason,
    collection_method: "charge_automatically",
    created: t,
    currency: sub.currency,
    custom_fields: null,
    customer: c.id,
    customer_account: null,
    customer_address: null,
    customer_email: c.email,
    customer_name: c.name,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id },
      type: "subscription_details",
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: "list", data: [], has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: period.end,
    period_start: period.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: sub.test_clock,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: t,
  } as unknown as Invoice;
  for (const ii of pending) {
    ii.invoice = id;
    em.store.put(ii, owner);
  }
  em.store.put(inv, owner);
  em.emit("invoice.created", inv, owner);
  sub.latest_invoice = id;
  em.store.put(sub, owner);
  const pause = sub.pause_collection?.behavior;
  if (pause === "keep_as_draft") {
    inv.auto_advance = false;
    em.store.put(inv, owner);
    return inv;
  }
  // a paused collection never touches the customer's credit balance: the invoice is not collected
  if (!pause) applyBalance(em, owner, c, inv);
  finalize(em, owner, c, inv, t);
  return inv;
}

/** Customer credit balance (negative = credit): used up by positive invoices, grown by negative ones. */
function applyBalance(em: Emu, owner: string, c: Customer, inv: Invoice): void {
  const start = c.balance;
  inv.starting_balance = start;
  if (inv.total < 0) {
    c.balance += inv.total;
    inv.amount_due = 0;
  } else if (start < 0) {
    const used = Math.min(inv.total, -start);
    c.balance += used;
    inv.amount_due = inv.total - used;
  }
  inv.amount_remaining = inv.amount_due;
  inv.ending_balance = c.balance;
  if (c.balance !== start) {
    em.store.put(c, owner);
    em.emit("customer.updated", c, owner, { balance: start });
  }
}

function finalize(em: Emu, owner: string, c: Customer, inv: Invoice, t: number): void {
  inv.status = "open";
  // numbered per customer prefix, like Stripe's default customer-level sequence (survives snapshots)
  const seq =
    em.store.all<Stripe.Invoice>("invoice", owner, (x) => x.customer === c.id && x.number !== null).length + 1;
  inv.number = `${c.invoice_prefix}-${String(seq).padStart(4, "0")}`;
  inv.effective_at = t;
  inv.status_transitions.finalized_at = t;
  inv.hosted_invoice_url = `${em.url}/invoices/${inv.id}`;
  if (inv.ending_balance === null) inv.ending_balance = inv.starting_balance;
  em.store.put(inv, owner);
  em.emit("invoice.finalized", inv, owner, { status: "draft", number: null });
}

// ---------------------------------------------------------------- collecting

export type Outcome = "paid" | "failed" | "requires_action" | "draft" | "void" | "uncollectible";
export interface Collected {
  outcome: Outcome;
  result?: ConfirmResult;
}

/** Collect a freshly created invoice: pause_collection behaviour, $0 invoices, else charge the customer's card off-session. */
export function collectInvoice(
  em: Emu,
  owner: string,
  sub: Stripe.Subscription,
  inv: Invoice,
  at: number,
  card?: { number: string; onSession: boolean },
): Collected {
  const pause = sub.pause_collection?.behavior;
  const t = timeFor(em, sub.customer as string);
  if (pause === "keep_as_draft") return { outcome: "draft" };
  if (pause === "void") {
    inv.status = "void";
    inv.status_transitions.voided_at = t;
    inv.amount_remaining = 0;
    em.store.put(inv, owner);
    em.emit("invoice.voided", inv, owner, { status: "open" });
    return { outcome: "void" };
  }
  if (pause === "mark_uncollectible") {
    inv.status = "uncollectible";
    inv.status_transitions.marked_uncollectible_at = t;
    em.store.put(inv, owner);
    em.emit("invoice.marked_uncollectible", inv, owner, { status: "open" });
    return { outcome: "uncollectible" };
  }
  if (inv.amount_due === 0) {
    markPaid(em, owner, inv, t);
    return { outcome: "paid" };
  }
  return attemptPayment(em, owner, sub, inv, at, card);
}

function markPaid(em: Emu, owner: string, inv: Invoice, t: number): void {
  const prev = { status: inv.status, amount_paid: inv.amount_paid, amount_remaining: inv.amount_remaining };
  inv.status = "paid";
  inv.attempted = true;
  inv.amount_paid = inv.amount_due;
  inv.amount_remaining = 0;
  inv.status_transitions.paid_at = t;
  inv.next_payment_attempt = null;
  em.store.put(inv, owner);
  em.emit("invoice.paid", inv, owner, prev);
  em.emit("invoice.payment_succeeded", inv, owner);
}

/** Off-session a card that always needs authentication (…3184) stops at requires_action; a 3-D Secure card set up once (…3155) does not. */
function needsAction(card: string, onSession: boolean): boolean {
  return !onSession && card.replace(/[\s-]/g, "") === "4000002760003184";
}

/** One payment attempt on an open invoice (renewal, dunning retry, portal card update, hosted invoice page). */
export function attemptPayment(
  em: Emu,
  owner: string,
  sub: Stripe.Subscription,
  inv: Invoice,
  at: number,
  card?: { number: string; onSession: boolean },
): Collected {
  const c = em.store.raw<Customer>(sub.customer as string)!;
  const t = timeFor(em, c.id);
  const number = card?.number ?? c.__card;
  const onSession = card?.onSession ?? false;
  inv.attempt_count += 1;
  inv.attempted = true;
  if (!number) {
    // no payment method on file: Stripe cannot charge, the attempt fails without a payment intent
    scheduleRetry(em, inv, at);
    em.store.put(inv, owner);
    em.emit("invoice.payment_failed", inv, owner);
    return { outcome: "failed" };
  }
  const amount = inv.amount_due;
  const pct = sub.application_fee_percent;
  const fee = pct !== null && pct !== undefined ? Math.round((amount * pct) / 100) : undefined;
  const pi = createPaymentIntent(
    em,
    owner,
    amount,
    inv.currency,
    {
      application_fee_amount: fee,
      transfer_destination: sub.transfer_data?.destination as string | undefined,
      metadata: {},
      description: inv.billing_reason === "subscription_create" ? "Subscription creation" : "Subscription update",
    },
    c.id,
  );
  const action = needsAction(number, onSession);
  const r = confirmWithCard(em, owner, pi, number, {
    email: c.email,
    name: c.name ?? null,
    authenticated: action ? undefined : cardOutcome(number).kind === "authenticate" ? true : undefined,
  });
  inv.payments!.data.unshift({
    id: newId("inpay"),
    object: "invoice_payment",
    amount_paid: null,
    amount_requested: amount,
    created: t,
    currency: inv.currency,
    invoice: inv.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: pi.id, type: "payment_intent" },
    status: "open",
    status_transitions: { canceled_at: null, paid_at: null },
  } as Stripe.InvoicePayment);
  return recordResult(em, owner, inv, r, at, number);
}

function recordResult(em: Emu, owner: string, inv: Invoice, r: ConfirmResult, at: number, card: string): Collected {
  const t = timeFor(em, inv.customer as string);
  const pay = inv.payments!.data[0];
  if (r.status === "succeeded") {
    pay.status = "paid";
    pay.amount_paid = inv.amount_due;
    pay.status_transitions.paid_at = t;
    delete inv.__actionCard;
    markPaid(em, owner, inv, t);
    return { outcome: "paid", result: r };
  }
  if (r.status === "requires_action") {
    // the customer must authenticate on the hosted invoice page; no automatic retries meanwhile
    inv.__actionCard = card;
    inv.next_payment_attempt = null;
    em.store.put(inv, owner);
    em.emit("invoice.payment_action_required", inv, owner);
    return { outcome: "requires_action", result: r };
  }
  delete inv.__actionCard;
  scheduleRetry(em, inv, at);
  em.store.put(inv, owner);
  em.emit("invoice.payment_failed", inv, owner);
  return { outcome: "failed", result: r };
}

/** Dunning: retries `retryDays` after the first failed attempt; null once they are used up. */
function scheduleRetry(em: Emu, inv: Invoice, at: number): void {
  if (inv.__firstFailedAt === undefined) inv.__firstFailedAt = at;
  const days = em.billing.retryDays[inv.attempt_count - 1];
  inv.next_payment_attempt = days === undefined ? null : inv.__firstFailedAt + days * DAY;
}

/** Finish a payment waiting for 3-D Secure (hosted invoice page): approve pays the invoice, fail leaves it open. */
export function authenticateInvoicePayment(em: Emu, inv: Invoice, approve: boolean): Collected {
  const owner = em.store.ownerOf(inv.id) ?? PLATFORM;
  const piId = inv.payments?.data[0]?.payment.payment_intent as string | undefined;
  const pi = piId ? em.store.raw<Stripe.PaymentIntent>(piId) : undefined;
  if (!pi || pi.status !== "requires_action" || !inv.__actionCard) return { outcome: "failed" };
  const r = confirmWithCard(em, owner, pi, inv.__actionCard, { authenticated: approve ? true : "failed" });
  return recordResult(em, owner, inv, r, timeFor(em, inv.customer as string), inv.__actionCard);
}

/** Open invoices of a subscription, oldest first. */
export function openInvoices(em: Emu, owner: string, subId: string): Invoice[] {
  return em.store
    .all<Invoice>(
      "invoice",
      owner,
      (i) => i.status === "open" && i.parent?.subscription_details?.subscription === subId,
    )
    .reverse();
}
