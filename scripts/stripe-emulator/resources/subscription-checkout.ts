// Subscription-mode Checkout: `subscription_data` (trials, application fee, destination, trial end behaviour)
// and paying the session, which creates the customer, the subscription and its first invoice.
import type Stripe from "stripe";
import { PLATFORM, type Ctx, type Emu } from "../context.js";
import { newId, now, rand } from "../ids.js";
import { int, str, metadata } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";
import type { FormValue } from "../form.js";
import { cardOutcome } from "./cards.js";
import { sessionLineItems } from "./catalog.js";
import { finishPayment, type ConfirmResult } from "./payment-intents.js";
import { collectInvoice, createInvoice, itemLines, timeFor, type Customer } from "./invoices.js";
import { DAY, addInterval, periodOf, planOf, type Subscription } from "./subscription-state.js";

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
  const items = sessionLineItems(em, s.id);
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
