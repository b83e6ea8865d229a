// Checkout sessions (payment mode).
import type Stripe from "stripe";
import { PLATFORM, publicView, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now, rand } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, int, str, metadata, type Shape } from "../validate.js";
import { ApiError, invalidParam, missingParam } from "../errors.js";
import { MINIMUM_AMOUNT, formatAmount } from "../money.js";
import { lineItemPrice, sessionLineItems } from "./catalog.js";
import {
  confirmWithBankAccount,
  confirmWithCard,
  createPaymentIntent,
  finishPayment,
  settleDelayedPayment,
  TEST_BANK_ACCOUNTS,
  TEST_ROUTING_NUMBER,
  type ConfirmResult,
  type PiData,
} from "./payment-intents.js";
import type { FormValue } from "../form.js";
import { parseSubscriptionData, paySubscriptionSession, type SubData } from "./subscription-checkout.js";

const LINE_ITEM: Shape = {
  price: true,
  quantity: true,
  adjustable_quantity: "any",
  dynamic_tax_rates: [true],
  tax_rates: [true],
  metadata: "map",
  price_data: {
    "currency!": true,
    product: true,
    product_data: {
      "name!": true,
      description: true,
      images: [true],
      metadata: "map",
      tax_code: true,
      unit_label: true,
    },
    unit_amount: true,
    unit_amount_decimal: true,
    recurring: "any",
    tax_behavior: true,
  },
};

const SUBSCRIPTION_DATA: Shape = {
  trial_period_days: true,
  trial_end: true,
  application_fee_percent: true,
  transfer_data: { "destination!": true, amount_percent: true },
  metadata: "map",
  description: true,
  on_behalf_of: true,
  default_tax_rates: [true],
  trial_settings: "any",
  billing_mode: "any",
  proration_behavior: true,
  invoice_settings: "any",
  billing_cycle_anchor: true,
  missing_payment_method: true,
};

const SESSION_SHAPE: { [k: string]: Shape } = {
  mode: true,
  line_items: [LINE_ITEM],
  success_url: true,
  cancel_url: true,
  return_url: true,
  ui_mode: true,
  client_reference_id: true,
  customer: true,
  customer_email: true,
  customer_creation: true,
  metadata: "map",
  expires_at: true,
  locale: true,
  allow_promotion_codes: true,
  billing_address_collection: true,
  submit_type: true,
  currency: true,
  payment_intent_data: {
    application_fee_amount: true,
    transfer_data: { "destination!": true, amount: true },
    on_behalf_of: true,
    metadata: "map",
    description: true,
    transfer_group: true,
    receipt_email: true,
    statement_descriptor: true,
    statement_descriptor_suffix: true,
    capture_method: true,
    setup_future_usage: true,
    shipping: "any",
  },
  subscription_data: SUBSCRIPTION_DATA,
  allowed_payment_method_types: [true],
  excluded_payment_method_types: [true],
  payment_method_collection: true,
  custom_text: "any",
  consent_collection: "any",
  phone_number_collection: "any",
  invoice_creation: "any",
  automatic_tax: "any",
  tax_id_collection: "any",
  shipping_address_collection: "any",
  custom_fields: "any",
  discounts: "any",
  payment_method_options: "any",
  customer_update: "any",
  after_expiration: "any",
  saved_payment_method_options: "any",
  payment_method_configuration: true,
};

interface SessionInternal {
  __pi?: PiData;
  __sub?: SubData;
}
export type Session = Stripe.Checkout.Session & SessionInternal;

export function sessionUrl(em: Emu, id: string): string {
  return `${em.url}/c/pay/${id}`;
}

/** Payment method types the emulator can take through Checkout. */
export const EMULATED_PAYMENT_METHODS = ["card", "us_bank_account"];

/** Whether Checkout can offer `type` for a session in `currency` and `mode` (ACH debits: USD, payment mode). */
function methodFits(type: string, currency: string, subMode: boolean) {
  return type === "card" || (type === "us_bank_account" && currency === "usd" && !subMode);
}

const typesOf = (value: FormValue | undefined) =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map((t) => String(t));

/**
 * The session's payment method types, computed as Stripe's dynamic payment methods are: the types enabled for the
 * account (`em.paymentMethods`, the Dashboard's settings) that fit the session, filtered by
 * `allowed_payment_method_types` and `excluded_payment_method_types` (API 2026-10-28 has no static
 * `payment_method_types` parameter). A type the emulator can't take is refused rather than ignored.
 */
function sessionPaymentMethods(
  em: Emu,
  params: { allowed?: FormValue; excluded?: FormValue },
  currency: string,
  subMode: boolean,
) {
  const allowed = typesOf(params.allowed);
  const excluded = typesOf(params.excluded) ?? [];
  for (const [param, types] of [
    ["allowed_payment_method_types", allowed ?? []],
    ["excluded_payment_method_types", excluded],
  ] as const)
    for (const t of types)
      if (!EMULATED_PAYMENT_METHODS.includes(t))
        throw invalidParam(
          param,
          `The Stripe emulator does not emulate the payment method type \`${t}\`; it takes ${EMULATED_PAYMENT_METHODS.join(" and ")}.`,
        );
  const types = em.paymentMethods.filter(
    (t) => methodFits(t, currency, subMode) && (!allowed || allowed.includes(t)) && !excluded.includes(t),
  );
  if (!types.length)
    throw invalidParam(
      allowed ? "allowed_payment_method_types" : "excluded_payment_method_types",
      `No payment method types are available for this Checkout Session (${currency}, ${subMode ? "subscription" : "payment"} mode; enabled: ${em.paymentMethods.join(", ")}). US bank accounts take usd in payment mode only.`,
    );
  return { types, allowed: allowed ?? null };
}

function createSession(ctx: Ctx): Stripe.Checkout.Session {
  validate(ctx.params, SESSION_SHAPE);
  const em = ctx.em;
  const p = ctx.params;
  const mode = str(p.mode as string);
  if (!mode) throw missingParam("mode");
  if (!["payment", "subscription", "setup"].includes(mode))
    throw invalidParam("mode", "Invalid mode: must be one of payment, setup, or subscription");
  if (mode === "setup")
    throw invalidParam(
      "mode",
      "The Stripe emulator does not support `setup` mode yet; only `payment` and `subscription` modes are emulated.",
    );
  const subMode = mode === "subscription";
  if (subMode && p.payment_intent_data)
    throw invalidParam("payment_intent_data", "You can not pass `payment_intent_data` in `subscription` mode.");
  if (!subMode && p.subscription_data)
    throw invalidParam("subscription_data", "You can only pass `subscription_data` in `subscription` mode.");
  const uiMode = str(p.ui_mode as string) ?? "hosted_page";
  if (uiMode === "hosted") {
    /* older spelling */
  }
  const successUrl = str(p.success_url as string);
  if (!successUrl && (uiMode === "hosted_page" || uiMode === "hosted")) throw missingParam("success_url");
  const items = p.line_items as Record<string, FormValue>[] | undefined;
  if (!items || items.length === 0)
    throw invalidParam(
      "line_items",
      `You must provide at least one line item for \`${mode}\` mode.`,
      "parameter_missing",
    );
  if (items.length > 100)
    throw invalidParam("line_items", "You may only specify up to 100 line items in `payment` mode.");
  const customer = str(p.customer as string) ?? null;
  if (customer) em.store.get(customer, "customer", ctx.account, "customer");
  if (customer && p.customer_email)
    throw invalidParam("customer_email", "You may only specify one of these parameters: customer, customer_email.");

  const lineItems: Stripe.LineItem[] = [];
  let currency: string | null = null;
  items.forEach((li, i) => {
    const qty = int(li.quantity, `line_items[${i}][quantity]`, { min: 1 });
    if (qty === undefined) throw missingParam(`line_items[${i}][quantity]`);
    const price = lineItemPrice(ctx, li, i);
    if (subMode && price.type !== "recurring")
      throw invalidParam(
        `line_items[${i}]`,
        "The Stripe emulator only supports recurring prices in `subscription` mode (one-time items on the first invoice are not emulated).",
      );
    if (
      subMode &&
      lineItems.length &&
      (lineItems[0].price?.recurring?.interval !== price.recurring?.interval ||
        lineItems[0].price?.recurring?.interval_count !== price.recurring?.interval_count)
    )
      throw invalidParam(`line_items[${i}]`, "All recurring prices must have the same billing interval.");
    if (!subMode && price.type === "recurring")
      throw invalidParam(
        `line_items[${i}]`,
        "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
      );
    if (currency && price.currency !== currency)
      throw invalidParam(`line_items[${i}]`, "All line items must use the same currency.");
    currency = price.currency;
    const prod = em.store.raw<Stripe.Product>(price.product as string);
    const amount = (price.unit_amount ?? 0) * qty;
    const li2: Stripe.LineItem = {
      id: newId("li"),
      object: "item",
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: price.currency,
      description: prod?.name ?? null,
      metadata: metadata(li.metadata),
      price: publicView(price),
      quantity: qty,
    };
    lineItems.push(li2);
  });
  const total = lineItems.reduce((s, l) => s + l.amount_total, 0);
  const cur = currency as unknown as string;
  const min = MINIMUM_AMOUNT[cur];
  if (min !== undefined && total < min)
    throw invalidParam(
      "line_items",
      `The Checkout Session's total amount due must add up to at least ${formatAmount(min, cur)} ${cur}`,
      "amount_too_small",
    );
  const pid = (p.payment_intent_data ?? {}) as Record<string, FormValue>;
  const fee = int(pid.application_fee_amount, "payment_intent_data[application_fee_amount]", { min: 0 });
  const td = pid.transfer_data as Record<string, string> | undefined;
  if (fee !== undefined && !td && ctx.account === PLATFORM)
    throw invalidParam(
      "payment_intent_data[application_fee_amount]",
      "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
    );
  if (fee !== undefined && fee > total)
    throw invalidParam(
      "payment_intent_data[application_fee_amount]",
      `The application fee (${formatAmount(fee, cur)}) cannot exceed the payment amount (${formatAmount(total, cur)}).`,
    );
  const tAmount = td ? int(td.amount, "payment_intent_data[transfer_data][amount]", { min: 0 }) : undefined;
  if (tAmount !== undefined && tAmount > total)
    throw invalidParam(
      "payment_intent_data[transfer_data][amount]",
      "The transfer amount cannot exceed the payment amount.",
    );
  if (td) {
    const dest = em.store.get<Stripe.Account>(
      td.destination,
      "account",
      PLATFORM,
      "payment_intent_data[transfer_data][destination]",
    );
    if ((dest.capabilities as Record<string, string> | undefined)?.transfers !== "active")
      throw invalidParam(
        "payment_intent_data[transfer_data][destination]",
        "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
        "insufficient_capabilities_for_transfer",
      );
  }
  const obo = str(pid.on_behalf_of as string);
  if (obo) em.store.get(obo, "account", PLATFORM, "payment_intent_data[on_behalf_of]");
  const created = now();
  const expiresAt = int(p.expires_at, "expires_at") ?? created + 24 * 3600;
  if (expiresAt > created + 24 * 3600 + 5)
    throw invalidParam(
      "expires_at",
      "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
    );
  if (expiresAt < created + 30 * 60 - 5)
    throw invalidParam(
      "expires_at",
      "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
    );
  const subData = subMode
    ? parseSubscriptionData(ctx, p.subscription_data as Record<string, FormValue> | undefined)
    : undefined;
  const pmc = str(p.payment_method_collection as string) ?? "always";
  if (pmc !== "always" && pmc !== "if_required")
    throw invalidParam(
      "payment_method_collection",
      "Invalid payment_method_collection: must be one of always or if_required",
    );
  if (pmc === "if_required" && !subMode)
    throw invalidParam(
      "payment_method_collection",
      "The Stripe emulator only supports `payment_method_collection=if_required` in `subscription` mode (a trial can then start without a card).",
    );
  const paymentMethods = sessionPaymentMethods(
    em,
    { allowed: p.allowed_payment_method_types, excluded: p.excluded_payment_method_types },
    cur,
    subMode,
  );
  const paymentMethodTypes = paymentMethods.types;
  const id = `cs_test_${rand(58)}`;
  const piData: PiData = {
    payment_method_types: paymentMethodTypes,
    application_fee_amount: fee,
    transfer_destination: td?.destination,
    transfer_amount: tAmount,
    on_behalf_of: obo,
    metadata: metadata(pid.metadata),
    description: str(pid.description as string),
    transfer_group: str(pid.transfer_group as string),
    receipt_email: str(pid.receipt_email as string),
    statement_descriptor: str(pid.statement_descriptor as string),
    statement_descriptor_suffix: str(pid.statement_descriptor_suffix as string),
  };
  const customerEmail = str(p.customer_email as string) ?? null;
  const session = {
    id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: paymentMethods.allowed,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: str(p.cancel_url as string) ?? null,
    client_reference_id: str(p.client_reference_id as string) ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: cur,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer,
    customer_account: null,
    customer_creation: customer ? null : "if_required",
    customer_details: null,
    customer_email: customerEmail,
    discounts: [],
    expires_at: expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: (str(p.locale as string) ?? null) as Stripe.Checkout.Session.Locale | null,
    managed_payments: null,
    metadata: metadata(p.metadata),
    mode: mode as Stripe.Checkout.Session.Mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: pmc as Stripe.Checkout.Session.PaymentMethodCollection,
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: "automatic" } },
    payment_method_types: paymentMethodTypes,
    payment_status: "unpaid",
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: (str(p.submit_type as string) ?? null) as Stripe.Checkout.Session.SubmitType | null,
    subscription: null,
    success_url: successUrl ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: uiMode as Stripe.Checkout.Session.UiMode,
    url: `${em.url}/c/pay/${id}`,
    wallet_options: null,
    __pi: subMode ? undefined : piData,
    __sub: subData,
  } as Session;
  em.store.put(session, ctx.account);
  em.store.data.lineItems[id] = lineItems.map((l) => l.id);
  for (const l of lineItems) em.store.put(l, ctx.account);
  return session;
}

export function expireSession(em: Emu, s: Session, ctx?: Ctx): void {
  const owner = em.store.ownerOf(s.id) ?? PLATFORM;
  s.status = "expired";
  s.url = null;
  em.store.put(s, owner);
  if (s.payment_intent) {
    const pi = em.store.raw<Stripe.PaymentIntent>(s.payment_intent as string);
    if (pi && pi.status !== "succeeded" && pi.status !== "canceled") {
      pi.status = "canceled";
      pi.canceled_at = now();
      pi.cancellation_reason = "abandoned";
      em.store.put(pi, owner);
      em.emit("payment_intent.canceled", pi, owner, undefined, ctx);
    }
  }
  em.emit("checkout.session.expired", s, owner, { status: "open" }, ctx);
}

/** Expire open sessions whose expires_at has passed. */
export function sweepExpired(em: Emu): void {
  const t = now();
  for (const s of em.store.all<Session>("checkout.session", null, (x) => x.status === "open" && x.expires_at <= t))
    expireSession(em, s);
}

/** The open session `id`, or the error a buyer on its page would get. */
function openSessionToPay(em: Emu, id: string): Session {
  sweepExpired(em);
  const s = em.store.raw<Session>(id);
  if (!s || s.object !== "checkout.session")
    throw invalidParam("id", `No such checkout.session: '${id}'`, "resource_missing");
  if (s.status !== "open")
    throw new ApiError(400, {
      type: "invalid_request_error",
      code: "checkout_session_not_open" as string,
      message: `This Checkout Session is no longer open (status: ${s.status}).`,
    });
  return s;
}

/** The session's payment intent, created on the first attempt to pay. */
function sessionPaymentIntent(em: Emu, s: Session, owner: string): Stripe.PaymentIntent {
  const existing = s.payment_intent ? em.store.raw<Stripe.PaymentIntent>(s.payment_intent as string) : null;
  if (existing) return existing;
  const pi = createPaymentIntent(
    em,
    owner,
    s.amount_total ?? 0,
    s.currency ?? "usd",
    s.__pi ?? {},
    s.customer as string | null,
  );
  s.payment_intent = pi.id;
  em.store.put(s, owner);
  return pi;
}

function markSessionComplete(em: Emu, s: Session, owner: string, paid: boolean, email: string, name: string | null) {
  const prev = { status: "open", payment_status: "unpaid", url: s.url };
  s.status = "complete";
  s.payment_status = paid ? "paid" : "unpaid";
  s.url = null;
  s.customer_details = {
    address: null,
    business_name: null,
    email,
    individual_name: null,
    name,
    phone: null,
    tax_exempt: "none",
    tax_ids: [],
  } as Stripe.Checkout.Session.CustomerDetails;
  em.store.put(s, owner);
  em.emit("checkout.session.completed", s, owner, prev);
}

/**
 * Pay an open payment-mode session with a US bank account (one of Stripe's test account numbers): as on Stripe, the
 * session completes at once with `payment_status: unpaid` while the debit is processing; `settleSessionPayment`
 * settles it later (`checkout.session.async_payment_succeeded` or `…_failed`).
 */
export function paySessionWithBankAccount(
  em: Emu,
  id: string,
  bank: { accountNumber: string; routingNumber?: string },
  opts: { email?: string; name?: string } = {},
): PayResult {
  const s = openSessionToPay(em, id);
  if (s.mode !== "payment" || !s.payment_method_types.includes("us_bank_account"))
    throw invalidParam(
      "payment_method",
      `This Checkout Session does not offer us_bank_account (it offers ${s.payment_method_types.join(", ")}).`,
    );
  const routingNumber = bank.routingNumber ?? TEST_ROUTING_NUMBER;
  if (routingNumber !== TEST_ROUTING_NUMBER || !(bank.accountNumber in TEST_BANK_ACCOUNTS))
    throw invalidParam(
      "us_bank_account",
      `Use one of Stripe's test account numbers (routing number ${TEST_ROUTING_NUMBER}; accounts ${Object.keys(TEST_BANK_ACCOUNTS).join(", ")}).`,
    );
  const owner = em.store.ownerOf(id) ?? PLATFORM;
  const email = opts.email ?? s.customer_email ?? "customer@example.com";
  const pi = sessionPaymentIntent(em, s, owner);
  confirmWithBankAccount(
    em,
    owner,
    pi,
    { accountNumber: bank.accountNumber, routingNumber },
    { email, name: opts.name ?? null, session: s.id },
  );
  markSessionComplete(em, s, owner, false, email, opts.name ?? null);
  em.store.scheduleSave();
  return { status: "processing", session: publicView(s), payment_intent: pi.id };
}

/** Settle a processing bank debit and tell its session's story: paid (async_payment_succeeded) or not (…_failed). */
export function settleSessionPayment(em: Emu, piId: string): Stripe.PaymentIntent {
  const pi = settleDelayedPayment(em, piId, (settled, sessionId) => {
    const s = sessionId ? em.store.raw<Session>(sessionId) : null;
    if (!s) return;
    const owner = em.store.ownerOf(s.id) ?? PLATFORM;
    if (settled.status === "succeeded") {
      s.payment_status = "paid";
      em.store.put(s, owner);
      em.emit("checkout.session.async_payment_succeeded", s, owner, { payment_status: "unpaid" });
    } else em.emit("checkout.session.async_payment_failed", s, owner);
  });
  em.store.scheduleSave();
  return publicView(pi);
}

export interface PayResult {
  status: ConfirmResult["status"] | "processing";
  session: Stripe.Checkout.Session;
  error?: ConfirmResult["error"];
  payment_intent: string | null;
}

/** Pay an open session with a card number (used by the hosted page and by /_emulator controls). */
export function paySession(
  em: Emu,
  id: string,
  card: string,
  opts: { email?: string; name?: string; authenticated?: boolean | "failed" } = {},
): PayResult {
  const s = openSessionToPay(em, id);
  const owner = em.store.ownerOf(id) ?? PLATFORM;
  const email = opts.email ?? s.customer_email ?? "customer@example.com";
  if (s.mode === "subscription") {
    const r = paySubscriptionSession(em, owner, s, card, {
      email,
      name: opts.name ?? null,
      authenticated: opts.authenticated,
    });
    delete em.store.data.pendingAuth[id];
    if (r.status === "requires_action")
      em.store.data.pendingAuth[id] = { session: id, card, email, name: opts.name ?? "" };
    em.store.scheduleSave();
    return { status: r.status, session: publicView(s), error: r.error, payment_intent: r.payment_intent };
  }
  const pi = sessionPaymentIntent(em, s, owner);
  const r = confirmWithCard(em, owner, pi, card, { email, name: opts.name ?? null, authenticated: opts.authenticated });
  if (r.status === "succeeded") {
    markSessionComplete(em, s, owner, true, email, opts.name ?? null);
    finishPayment(em, owner, r);
  }
  delete em.store.data.pendingAuth[id];
  if (r.status === "requires_action")
    em.store.data.pendingAuth[id] = { session: id, card, email, name: opts.name ?? "" };
  em.store.scheduleSave();
  return { status: r.status, session: publicView(s), error: r.error, payment_intent: pi.id };
}

export function register(r: Router): void {
  r.add("POST", "/v1/checkout/sessions", (ctx) => createSession(ctx));
  r.add("GET", "/v1/checkout/sessions", (ctx) => {
    validate(ctx.params, {
      ...LIST,
      payment_intent: true,
      customer: true,
      status: true,
      payment_link: true,
      subscription: true,
      customer_details: "any",
    });
    sweepExpired(ctx.em);
    const p = ctx.params;
    const items = applyCreatedFilter(
      ctx.em.store.all<Session>(
        "checkout.session",
        ctx.account,
        (s) =>
          (!p.payment_intent || s.payment_intent === p.payment_intent) &&
          (!p.customer || s.customer === p.customer) &&
          (!p.status || s.status === p.status),
      ),
      p.created,
    );
    return paginate(items, p as Record<string, string>, "/v1/checkout/sessions");
  });
  r.add("GET", "/v1/checkout/sessions/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    sweepExpired(ctx.em);
    return ctx.em.store.get(id, "checkout.session", ctx.account, "session");
  });
  r.add("POST", "/v1/checkout/sessions/:id", (ctx, [id]) => {
    validate(ctx.params, { metadata: "map" });
    const s = ctx.em.store.get<Session>(id, "checkout.session", ctx.account, "session");
    s.metadata = metadata(ctx.params.metadata, s.metadata ?? {});
    ctx.em.store.put(s, ctx.account);
    return s;
  });
  r.add("POST", "/v1/checkout/sessions/:id/expire", (ctx, [id]) => {
    validate(ctx.params, {});
    sweepExpired(ctx.em);
    const s = ctx.em.store.get<Session>(id, "checkout.session", ctx.account, "session");
    if (s.status !== "open")
      throw invalidParam(
        "session",
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${s.status}".`,
      );
    expireSession(ctx.em, s, ctx);
    return s;
  });
  r.add("GET", "/v1/checkout/sessions/:id/line_items", (ctx, [id]) => {
    validate(ctx.params, LIST);
    ctx.em.store.get<Session>(id, "checkout.session", ctx.account, "session");
    const items = sessionLineItems(ctx.em, id);
    return paginate(items, ctx.params as Record<string, string>, `/v1/checkout/sessions/${id}/line_items`);
  });
}
