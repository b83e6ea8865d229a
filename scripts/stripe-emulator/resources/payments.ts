// Money movement: payment intents, charges, destination-charge transfers, application fees,
// refunds (with proportional transfer reversal and fee refund) and disputes.
import type Stripe from "stripe";
import { PLATFORM, publicView, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, int, bool, str, metadata } from "../validate.js";
import { ApiError, invalidParam, missingParam } from "../errors.js";
import { DISPUTE_FEE, formatAmount, processingFee, proportional } from "../money.js";
import { createBt } from "./balance.js";

type Emitter = (type: string, obj: object, account: string, prev?: Record<string, unknown>) => void;
const emitter =
  (em: Emu, ctx?: Ctx): Emitter =>
  (t, o, a, p) =>
    em.emit(t, o, a, p, ctx);

export interface PiData {
  application_fee_amount?: number;
  transfer_destination?: string;
  transfer_amount?: number;
  on_behalf_of?: string;
  metadata?: Record<string, string>;
  description?: string;
  transfer_group?: string;
  receipt_email?: string;
  statement_descriptor?: string;
  statement_descriptor_suffix?: string;
}

export function createPaymentIntent(
  em: Emu,
  owner: string,
  amount: number,
  currency: string,
  d: PiData,
  customer: string | null,
  ctx?: Ctx,
): Stripe.PaymentIntent {
  const pi = {
    id: newId("pi"),
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: d.application_fee_amount ?? null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: null,
    confirmation_method: "automatic",
    created: now(),
    currency,
    customer,
    customer_account: null,
    description: d.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: d.metadata ?? {},
    next_action: null,
    on_behalf_of: d.on_behalf_of ?? null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: d.receipt_email ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: d.statement_descriptor ?? null,
    statement_descriptor_suffix: d.statement_descriptor_suffix ?? null,
    status: "requires_payment_method",
    transfer_data: d.transfer_destination
      ? {
          destination: d.transfer_destination,
          ...(d.transfer_amount !== undefined ? { amount: d.transfer_amount } : {}),
        }
      : null,
    transfer_group: d.transfer_group ?? null,
  } as Stripe.PaymentIntent;
  pi.client_secret = `${pi.id}_secret_${newId("x").slice(2)}`;
  em.store.put(pi, owner);
  em.emit("payment_intent.created", pi, owner, undefined, ctx);
  return pi;
}

export interface CardOutcome {
  kind: "success" | "decline" | "authenticate" | "invalid";
  code?: string;
  decline_code?: string;
  message?: string;
  dispute?: boolean;
}

export function luhn(num: string): boolean {
  let sum = 0;
  for (let i = 0; i < num.length; i++) {
    let d = Number(num[num.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return num.length >= 12 && sum % 10 === 0;
}

export const TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": { kind: "success" },
  "5555555555554444": { kind: "success" },
  "4000000000000077": { kind: "success" },
  "4000000000000002": {
    kind: "decline",
    code: "card_declined",
    decline_code: "generic_decline",
    message: "Your card was declined.",
  },
  "4000000000009995": {
    kind: "decline",
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
  "4000000000009987": {
    kind: "decline",
    code: "card_declined",
    decline_code: "lost_card",
    message: "Your card was declined.",
  },
  "4000000000000069": {
    kind: "decline",
    code: "expired_card",
    decline_code: "expired_card",
    message: "Your card has expired.",
  },
  "4000000000000127": {
    kind: "decline",
    code: "incorrect_cvc",
    decline_code: "incorrect_cvc",
    message: "Your card's security code is incorrect.",
  },
  "4000002500003155": { kind: "authenticate" },
  "4000002760003184": { kind: "authenticate" },
  "4000000000000259": { kind: "success", dispute: true },
  // attaches to a customer (subscription trials) but every charge is declined
  "4000000000000341": {
    kind: "decline",
    code: "card_declined",
    decline_code: "generic_decline",
    message: "Your card was declined.",
  },
};

export function cardOutcome(raw: string): CardOutcome {
  const num = raw.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(num) || !luhn(num))
    return { kind: "invalid", code: "incorrect_number", message: "Your card number is incorrect." };
  return TEST_CARDS[num] ?? { kind: "success" };
}

function brandOf(num: string): string {
  if (num.startsWith("4")) return "visa";
  if (/^5[1-5]/.test(num) || /^2[2-7]/.test(num)) return "mastercard";
  if (/^3[47]/.test(num)) return "amex";
  return "unknown";
}

function pmDetails(num: string): Stripe.Charge.PaymentMethodDetails {
  return {
    type: "card",
    card: {
      amount_authorized: null,
      authorization_code: null,
      brand: brandOf(num),
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      exp_month: 12,
      exp_year: new Date().getFullYear() + 3,
      extended_authorization: { status: "disabled" },
      fingerprint: "emu" + num.slice(-8),
      funding: "credit",
      installments: null,
      last4: num.slice(-4),
      mandate: null,
      network: brandOf(num),
      network_token: { used: false },
      network_transaction_id: null,
      regulated_status: "unregulated",
      three_d_secure: null,
      wallet: null,
    },
  } as unknown as Stripe.Charge.PaymentMethodDetails;
}

function baseCharge(
  id: string,
  pi: Stripe.PaymentIntent,
  num: string,
  email: string | null,
  name: string | null,
): Stripe.Charge {
  return {
    id,
    object: "charge",
    amount: pi.amount,
    amount_captured: 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: pi.application_fee_amount,
    balance_transaction: null,
    billing_details: { address: null, email, name, phone: null, tax_id: null } as Stripe.Charge.BillingDetails,
    calculated_statement_descriptor: "EMULATOR* MARKETPLACE",
    captured: false,
    created: now(),
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: pi.on_behalf_of,
    outcome: null,
    paid: false,
    payment_intent: pi.id,
    payment_method: pi.payment_method as string | null,
    payment_method_details: pmDetails(num),
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: pi.statement_descriptor,
    statement_descriptor_suffix: pi.statement_descriptor_suffix,
    status: "pending",
    transfer_data: pi.transfer_data
      ? { amount: pi.transfer_data.amount ?? null, destination: pi.transfer_data.destination }
      : null,
    transfer_group: pi.transfer_group,
  } as Stripe.Charge;
}

export interface ConfirmResult {
  status: "succeeded" | "requires_action" | "failed";
  charge?: Stripe.Charge;
  error?: { code: string; decline_code?: string; message: string };
}

/** Confirm a payment intent with a card number (the heart of the emulator). */
export function confirmWithCard(
  em: Emu,
  owner: string,
  pi: Stripe.PaymentIntent,
  cardNumber: string,
  opts: { email?: string | null; name?: string | null; authenticated?: boolean | "failed" },
  ctx?: Ctx,
): ConfirmResult {
  const emit = emitter(em, ctx);
  const num = cardNumber.replace(/[\s-]/g, "");
  const outcome = cardOutcome(num);
  if (outcome.kind === "invalid")
    return { status: "failed", error: { code: outcome.code!, message: outcome.message! } };
  pi.payment_method = newId("pm");
  if (outcome.kind === "authenticate" && opts.authenticated === undefined) {
    pi.status = "requires_action";
    pi.next_action = {
      type: "use_stripe_sdk",
      use_stripe_sdk: { type: "three_d_secure_redirect" },
    } as unknown as Stripe.PaymentIntent.NextAction;
    em.store.put(pi, owner);
    emit("payment_intent.requires_action", pi, owner);
    return { status: "requires_action" };
  }
  pi.next_action = null;
  if (opts.authenticated === "failed") {
    const message =
      "We are unable to authenticate your payment method. Please choose a different payment method and try again.";
    pi.status = "requires_payment_method";
    pi.last_payment_error = {
      type: "invalid_request_error",
      code: "payment_intent_authentication_failure",
      message,
      doc_url: "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
    } as Stripe.PaymentIntent.LastPaymentError;
    em.store.put(pi, owner);
    emit("payment_intent.payment_failed", pi, owner);
    return { status: "failed", error: { code: "payment_intent_authentication_failure", message } };
  }
  const ch = baseCharge(newId("ch"), pi, num, opts.email ?? null, opts.name ?? null);
  if (outcome.kind === "decline") {
    ch.status = "failed";
    ch.failure_code = outcome.code!;
    ch.failure_message = outcome.message!;
    ch.outcome = {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: "declined_by_network",
      reason: outcome.decline_code!,
      risk_level: "normal",
      risk_score: 20,
      seller_message: "The bank did not return any further details with this decline.",
      type: "issuer_declined",
    } as Stripe.Charge.Outcome;
    em.store.put(ch, owner);
    pi.status = "requires_payment_method";
    pi.latest_charge = ch.id;
    pi.last_payment_error = {
      type: "card_error",
      charge: ch.id,
      code: outcome.code,
      decline_code: outcome.decline_code,
      message: outcome.message,
      doc_url: `https://stripe.com/docs/error-codes/${outcome.code!.replace(/_/g, "-")}`,
    } as Stripe.PaymentIntent.LastPaymentError;
    em.store.put(pi, owner);
    emit("charge.failed", ch, owner);
    emit("payment_intent.payment_failed", pi, owner);
    return {
      status: "failed",
      charge: ch,
      error: { code: outcome.code!, decline_code: outcome.decline_code, message: outcome.message! },
    };
  }
  // success
  const A = pi.amount;
  const P = processingFee(em.feeTable, pi.currency, A);
  const F = pi.application_fee_amount ?? 0;
  const direct = owner !== PLATFORM;
  const feeDetails: Stripe.BalanceTransaction.FeeDetail[] = [
    { amount: P, application: null, currency: pi.currency, description: "Stripe processing fees", type: "stripe_fee" },
  ];
  if (direct && F)
    feeDetails.push({
      amount: F,
      application: "ca_emulator",
      currency: pi.currency,
      description: "Application fee",
      type: "application_fee",
    });
  const bt = createBt(em, owner, {
    amount: A,
    currency: pi.currency,
    type: "charge",
    source: ch.id,
    fee: P + (direct ? F : 0),
    feeDetails,
    description: pi.description,
  });
  Object.assign(ch, {
    status: "succeeded",
    paid: true,
    captured: true,
    amount_captured: A,
    balance_transaction: bt.id,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: "approved_by_network",
      reason: null,
      risk_level: "normal",
      risk_score: 32,
      seller_message: "Payment complete.",
      type: "authorized",
    },
    receipt_url: `${em.url}/receipts/${ch.id}`,
  });
  em.store.put(ch, owner);
  pi.status = "succeeded";
  pi.amount_received = A;
  pi.latest_charge = ch.id;
  pi.last_payment_error = null;
  em.store.put(pi, owner);
  const after: (() => void)[] = [];
  // application fee and transfer
  let fee: Stripe.ApplicationFee | null = null;
  const dest = pi.transfer_data?.destination as string | undefined;
  if (F > 0 && (dest || direct)) {
    const feeId = newId("fee");
    const feeBt = createBt(em, PLATFORM, {
      amount: F,
      currency: pi.currency,
      type: "application_fee",
      source: feeId,
      description: "Application fee",
    });
    fee = {
      id: feeId,
      object: "application_fee",
      account: dest ?? owner,
      amount: F,
      amount_refunded: 0,
      application: "ca_emulator",
      balance_transaction: feeBt.id,
      charge: ch.id,
      created: now(),
      currency: pi.currency,
      fee_source: { charge: ch.id, type: "charge" },
      livemode: false,
      originating_transaction: ch.id,
      refunded: false,
      refunds: { object: "list", data: [], has_more: false, url: `/v1/application_fees/${feeId}/refunds` },
    } as Stripe.ApplicationFee;
    em.store.put(fee, PLATFORM);
    ch.application_fee = feeId;
    after.push(() => emit("application_fee.created", fee!, PLATFORM));
  }
  if (dest && !direct) {
    const T = pi.transfer_data?.amount ?? A;
    const trId = newId("tr");
    const pyId = newId("py");
    const trBt = createBt(em, PLATFORM, { amount: -T, currency: pi.currency, type: "transfer", source: trId });
    const pyFee = fee ? F : 0;
    const pyBt = createBt(em, dest, {
      amount: T,
      currency: pi.currency,
      type: "payment",
      source: pyId,
      fee: pyFee,
      feeDetails: pyFee
        ? [
            {
              amount: pyFee,
              application: "ca_emulator",
              currency: pi.currency,
              description: "Application fee",
              type: "application_fee",
            },
          ]
        : [],
    });
    const py = {
      ...baseCharge(pyId, pi, num, null, null),
      amount: T,
      amount_captured: T,
      application_fee: null,
      application_fee_amount: null,
      balance_transaction: pyBt.id,
      captured: true,
      paid: true,
      status: "succeeded",
      payment_intent: null,
      payment_method: null,
      payment_method_details: null,
      source_transfer: trId,
      transfer_data: null,
      metadata: {},
      outcome: null,
    } as Stripe.Charge;
    em.store.put(py, dest);
    const tr = {
      id: trId,
      object: "transfer",
      amount: T,
      amount_reversed: 0,
      balance_transaction: trBt.id,
      created: now(),
      currency: pi.currency,
      description: null,
      destination: dest,
      destination_payment: pyId,
      livemode: false,
      metadata: {},
      reversals: { object: "list", data: [], has_more: false, url: `/v1/transfers/${trId}/reversals` },
      reversed: false,
      source_transaction: ch.id,
      source_type: "card",
      transfer_group: pi.transfer_group ?? `group_${pi.id}`,
    } as Stripe.Transfer;
    em.store.put(tr, PLATFORM);
    ch.transfer = trId;
    ch.transfer_group = tr.transfer_group;
    after.push(() => emit("transfer.created", tr, PLATFORM));
  }
  em.store.put(ch, owner);
  emit("charge.succeeded", ch, owner);
  emit("payment_intent.succeeded", pi, owner);
  return { status: "succeeded", charge: ch, ...{ after, dispute: outcome.dispute } } as ConfirmResult;
}

/** Run the post-payment events (after checkout.session.completed) and the dispute card. */
export function finishPayment(em: Emu, owner: string, r: ConfirmResult, ctx?: Ctx): void {
  const x = r as ConfirmResult & { after?: (() => void)[]; dispute?: boolean };
  for (const f of x.after ?? []) f();
  if (x.dispute && r.charge) openDispute(em, r.charge.id, "fraudulent", ctx);
}

// ---------------------------------------------------------------- refunds

function chargeOwner(em: Emu, chId: string): string {
  return em.store.ownerOf(chId) ?? PLATFORM;
}

export function reverseTransfer(
  em: Emu,
  tr: Stripe.Transfer,
  amount: number,
  opts: { refundFee?: boolean; sourceRefund?: string | null; metadata?: Record<string, string> },
  emit: Emitter,
): Stripe.TransferReversal {
  const dest = tr.destination as string;
  const trrId = newId("trr");
  const bt = createBt(em, PLATFORM, { amount, currency: tr.currency, type: "transfer_refund", source: trrId });
  const py = tr.destination_payment ? em.store.raw<Stripe.Charge>(tr.destination_payment as string) : undefined;
  let pyr: Stripe.Refund | null = null;
  if (py) {
    const pyrId = newId("pyr");
    const pyrBt = createBt(em, dest, { amount: -amount, currency: tr.currency, type: "payment_refund", source: pyrId });
    pyr = {
      id: pyrId,
      object: "refund",
      amount,
      balance_transaction: pyrBt.id,
      charge: py.id,
      created: now(),
      currency: tr.currency,
      customer: null,
      customer_account: null,
      metadata: {},
      payment_intent: null,
      payment_method: null,
      reason: null,
      receipt_number: null,
      source_transfer_reversal: trrId,
      status: "succeeded",
      transfer_reversal: null,
    } as Stripe.Refund;
    em.store.put(pyr, dest);
    py.amount_refunded += amount;
    py.refunded = py.amount_refunded >= py.amount;
  }
  const trr: Stripe.TransferReversal = {
    id: trrId,
    object: "transfer_reversal",
    amount,
    balance_transaction: bt.id,
    created: now(),
    currency: tr.currency,
    destination_payment_refund: pyr ? pyr.id : null,
    metadata: opts.metadata ?? {},
    source_refund: opts.sourceRefund ?? null,
    transfer: tr.id,
  };
  em.store.put(trr, PLATFORM);
  tr.amount_reversed += amount;
  tr.reversed = tr.amount_reversed >= tr.amount;
  tr.reversals.data.unshift(trr);
  em.store.put(tr, PLATFORM);
  emit("transfer.reversed", tr, PLATFORM, { amount_reversed: tr.amount_reversed - amount, reversed: false });
  return trr;
}

export function refundFee(
  em: Emu,
  fee: Stripe.ApplicationFee,
  amount: number,
  emit: Emitter,
  meta: Record<string, string> = {},
): Stripe.FeeRefund {
  const frId = newId("fr");
  const bt = createBt(em, PLATFORM, {
    amount: -amount,
    currency: fee.currency,
    type: "application_fee_refund",
    source: frId,
  });
  createBt(em, fee.account as string, { amount, currency: fee.currency, type: "application_fee_refund", source: frId });
  const fr: Stripe.FeeRefund = {
    id: frId,
    object: "fee_refund",
    amount,
    balance_transaction: bt.id,
    created: now(),
    currency: fee.currency,
    fee: fee.id,
    metadata: meta,
  };
  em.store.put(fr, PLATFORM);
  fee.amount_refunded += amount;
  fee.refunded = fee.amount_refunded >= fee.amount;
  fee.refunds.data.unshift(fr);
  em.store.put(fee, PLATFORM);
  emit("application_fee.refunded", fee, PLATFORM, { amount_refunded: fee.amount_refunded - amount });
  return fr;
}

function refund(ctx: Ctx): Stripe.Refund {
  validate(ctx.params, {
    charge: true,
    payment_intent: true,
    amount: true,
    reason: true,
    reverse_transfer: true,
    refund_application_fee: true,
    metadata: "map",
    instructions_email: true,
    origin: true,
    currency: true,
    customer: true,
  });
  const em = ctx.em;
  const emit = emitter(em, ctx);
  const p = ctx.params;
  let chId = str(p.charge as string);
  const piId = str(p.payment_intent as string);
  if (!chId && !piId) throw missingParam("charge");
  if (chId && piId)
    throw invalidParam("payment_intent", "You can only specify one of these parameters: charge, payment_intent.");
  if (piId) {
    const pi = em.store.get<Stripe.PaymentIntent>(piId, "payment_intent", ctx.account, "payment_intent");
    if (pi.status !== "succeeded" || !pi.latest_charge)
      throw invalidParam(
        "payment_intent",
        `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
        "charge_not_refundable",
      );
    chId = pi.latest_charge as string;
  }
  const ch = em.store.get<Stripe.Charge>(chId!, "charge", ctx.account, "charge");
  const reason = str(p.reason as string);
  if (reason && !["duplicate", "fraudulent", "requested_by_customer"].includes(reason))
    throw invalidParam("reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer");
  if (ch.status !== "succeeded")
    throw invalidParam(
      "charge",
      `Charge ${ch.id} has not been captured or succeeded and cannot be refunded.`,
      "charge_not_refundable",
    );
  if (ch.disputed) {
    const d = em.store.all<Stripe.Dispute>("dispute", null, (x) => x.charge === ch.id)[0];
    if (d && !d.is_charge_refundable)
      throw invalidParam("charge", `Charge ${ch.id} has been charged back; cannot issue a refund.`, "charge_disputed");
  }
  const remaining = ch.amount - ch.amount_refunded;
  if (remaining <= 0)
    throw invalidParam("charge", `Charge ${ch.id} has already been refunded.`, "charge_already_refunded");
  const amount = int(p.amount, "amount", { min: 1 }) ?? remaining;
  if (amount > remaining)
    throw invalidParam(
      "amount",
      `Refund amount (${formatAmount(amount, ch.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, ch.currency)})`,
      "amount_too_large",
    );
  const reverse = bool(p.reverse_transfer, "reverse_transfer") ?? false;
  const refundAppFee = bool(p.refund_application_fee, "refund_application_fee") ?? false;
  const tr = ch.transfer ? em.store.raw<Stripe.Transfer>(ch.transfer as string) : undefined;
  if (reverse && !tr)
    throw invalidParam(
      "reverse_transfer",
      "You cannot reverse the transfer of a charge that has no associated transfer.",
    );
  const owner = chargeOwner(em, ch.id);
  const reId = newId("re");
  const bt = createBt(em, owner, { amount: -amount, currency: ch.currency, type: "refund", source: reId });
  const re: Stripe.Refund = {
    id: reId,
    object: "refund",
    amount,
    balance_transaction: bt.id,
    charge: ch.id,
    created: now(),
    currency: ch.currency,
    customer: ch.customer as string | null,
    customer_account: null,
    metadata: metadata(p.metadata),
    payment_intent: ch.payment_intent as string | null,
    payment_method: ch.payment_method,
    reason: (reason ?? null) as Stripe.Refund.Reason | null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "pending",
    transfer_reversal: null,
  };
  em.store.put(re, owner);
  const prevRefunded = ch.amount_refunded;
  ch.amount_refunded += amount;
  ch.refunded = ch.amount_refunded >= ch.amount;
  em.store.put(ch, owner);
  emit("refund.created", re, owner);
  emit("charge.refunded", ch, owner, { amount_refunded: prevRefunded, refunded: false });
  if (reverse && tr) {
    const T = tr.amount;
    const target = proportional(ch.amount_refunded, T, ch.amount);
    const prevTarget = proportional(prevRefunded, T, ch.amount);
    const rev = Math.min(Math.max(target - prevTarget, 0), T - tr.amount_reversed);
    if (rev > 0) {
      const trr = reverseTransfer(em, tr, rev, { sourceRefund: re.id }, emit);
      re.transfer_reversal = trr.id;
    }
  }
  const feeId = ch.application_fee as string | null;
  if (refundAppFee && feeId) {
    const fee = em.store.raw<Stripe.ApplicationFee>(feeId)!;
    const target = proportional(ch.amount_refunded, fee.amount, ch.amount);
    const prevTarget = proportional(prevRefunded, fee.amount, ch.amount);
    const fr = Math.min(Math.max(target - prevTarget, 0), fee.amount - fee.amount_refunded);
    if (fr > 0) refundFee(em, fee, fr, emit);
  }
  re.status = "succeeded";
  em.store.put(re, owner);
  emit("refund.updated", re, owner, { status: "pending" });
  return re;
}

// ---------------------------------------------------------------- disputes

export function openDispute(em: Emu, chId: string, reason = "fraudulent", ctx?: Ctx): Stripe.Dispute {
  const emit = emitter(em, ctx);
  const ch = em.store.raw<Stripe.Charge>(chId);
  if (!ch || ch.object !== "charge" || chId.startsWith("py_"))
    throw invalidParam("charge", `No such charge: '${chId}'`, "resource_missing");
  if (ch.status !== "succeeded") throw invalidParam("charge", `Charge ${chId} did not succeed and cannot be disputed.`);
  if (ch.disputed) throw invalidParam("charge", `Charge ${chId} is already disputed.`);
  const owner = chargeOwner(em, chId);
  const amount = ch.amount - ch.amount_refunded;
  if (amount <= 0) throw invalidParam("charge", `Charge ${chId} has been fully refunded and cannot be disputed.`);
  const dpId = newId("dp");
  const dfee = DISPUTE_FEE[ch.currency] ?? DISPUTE_FEE.default;
  const bt = createBt(em, owner, {
    amount: -amount,
    currency: ch.currency,
    type: "adjustment",
    source: dpId,
    fee: dfee,
    reporting_category: "dispute",
    feeDetails: [
      { amount: dfee, application: null, currency: ch.currency, description: "Dispute fee", type: "stripe_fee" },
    ],
    description: `Chargeback withdrawal for ${chId}`,
  });
  const dp = {
    id: dpId,
    object: "dispute",
    amount,
    balance_transactions: [publicView(bt)],
    charge: chId,
    created: now(),
    currency: ch.currency,
    enhanced_eligibility_types: [],
    evidence: {},
    evidence_details: {
      due_by: now() + 7 * 86400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: null,
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: ch.payment_intent,
    payment_method_details: {
      card: { brand: "visa", case_type: "chargeback", network_reason_code: "10.4" },
      type: "card",
    },
    reason,
    status: "needs_response",
  } as unknown as Stripe.Dispute;
  em.store.put(dp, owner);
  ch.disputed = true;
  em.store.put(ch, owner);
  emit("charge.dispute.created", dp, owner);
  emit("charge.dispute.funds_withdrawn", dp, owner);
  return dp;
}

export function closeDispute(em: Emu, dpId: string, outcome: "won" | "lost", ctx?: Ctx): Stripe.Dispute {
  const emit = emitter(em, ctx);
  const dp = em.store.raw<Stripe.Dispute>(dpId);
  if (!dp || dp.object !== "dispute") throw invalidParam("dispute", `No such dispute: '${dpId}'`, "resource_missing");
  if (dp.status === "won" || dp.status === "lost") throw invalidParam("dispute", `This dispute is already closed.`);
  const owner = em.store.ownerOf(dpId)!;
  const prev = { status: dp.status };
  if (outcome === "won") {
    const bt = createBt(em, owner, {
      amount: dp.amount,
      currency: dp.currency,
      type: "adjustment",
      source: dp.id,
      reporting_category: "dispute_reversal",
      description: `Chargeback reversal for ${dp.charge}`,
    });
    dp.balance_transactions.push(publicView(bt));
    dp.status = "won";
    em.store.put(dp, owner);
    emit("charge.dispute.funds_reinstated", dp, owner);
  } else {
    dp.status = "lost";
    em.store.put(dp, owner);
  }
  emit("charge.dispute.closed", dp, owner, prev);
  return dp;
}

// ---------------------------------------------------------------- routes

export function register(r: Router): void {
  const getter = (path: string, type: string) =>
    r.add("GET", path, (ctx, [id]) => {
      validate(ctx.params, {});
      return ctx.em.store.get(id, type, ctx.account);
    });
  const lister = <T extends { id: string; created: number }>(
    path: string,
    type: string,
    filters: string[],
    fn?: (o: T, p: Record<string, unknown>) => boolean,
  ) =>
    r.add("GET", path, (ctx) => {
      validate(ctx.params, { ...LIST, ...Object.fromEntries(filters.map((f) => [f, true])) });
      const items = applyCreatedFilter(
        ctx.em.store.all<T>(type, ctx.account, (o) => {
          const rec = o as unknown as Record<string, unknown>;
          for (const f of filters) if (ctx.params[f] !== undefined && !fn && rec[f] !== ctx.params[f]) return false;
          return fn ? fn(o, ctx.params) : true;
        }),
        ctx.params.created,
      );
      return paginate(items, ctx.params as Record<string, string>, path);
    });
  getter("/v1/payment_intents/:id", "payment_intent");
  lister("/v1/payment_intents", "payment_intent", ["customer"]);
  getter("/v1/charges/:id", "charge");
  lister("/v1/charges", "charge", ["customer", "payment_intent", "transfer_group"]);
  getter("/v1/refunds/:id", "refund");
  lister("/v1/refunds", "refund", ["charge", "payment_intent"]);
  r.add("POST", "/v1/refunds", (ctx) => refund(ctx));
  getter("/v1/transfers/:id", "transfer");
  lister("/v1/transfers", "transfer", ["destination", "transfer_group"]);
  getter("/v1/application_fees/:id", "application_fee");
  lister("/v1/application_fees", "application_fee", ["charge"]);
  getter("/v1/disputes/:id", "dispute");
  lister("/v1/disputes", "dispute", ["charge", "payment_intent"]);

  r.add(
    "POST",
    "/v1/transfers",
    (ctx) => {
      validate(ctx.params, {
        "currency!": true,
        "destination!": true,
        amount: true,
        description: true,
        metadata: "map",
        source_transaction: true,
        transfer_group: true,
        source_type: true,
      });
      const em = ctx.em;
      const amount = int(ctx.params.amount, "amount", { min: 1 });
      if (amount === undefined) throw missingParam("amount");
      const currency = String(ctx.params.currency).toLowerCase();
      const dest = String(ctx.params.destination);
      const acct = em.store.get<Stripe.Account>(dest, "account", PLATFORM, "destination");
      if ((acct.capabilities as Record<string, string> | undefined)?.transfers !== "active")
        throw invalidParam(
          "destination",
          "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
          "insufficient_capabilities_for_transfer",
        );
      const trId = newId("tr");
      const pyId = newId("py");
      const bt = createBt(em, PLATFORM, { amount: -amount, currency, type: "transfer", source: trId });
      const pyBt = createBt(em, dest, { amount, currency, type: "payment", source: pyId });
      em.store.put(
        {
          id: pyId,
          object: "charge",
          amount,
          amount_captured: amount,
          amount_refunded: 0,
          balance_transaction: pyBt.id,
          created: now(),
          currency,
          status: "succeeded",
          paid: true,
          captured: true,
          refunded: false,
          disputed: false,
          metadata: {},
          source_transfer: trId,
          livemode: false,
        },
        dest,
      );
      const tr = {
        id: trId,
        object: "transfer",
        amount,
        amount_reversed: 0,
        balance_transaction: bt.id,
        created: now(),
        currency,
        description: str(ctx.params.description as string) ?? null,
        destination: dest,
        destination_payment: pyId,
        livemode: false,
        metadata: metadata(ctx.params.metadata),
        reversals: { object: "list", data: [], has_more: false, url: `/v1/transfers/${trId}/reversals` },
        reversed: false,
        source_transaction: str(ctx.params.source_transaction as string) ?? null,
        source_type: "card",
        transfer_group: str(ctx.params.transfer_group as string) ?? null,
      } as Stripe.Transfer;
      em.store.put(tr, PLATFORM);
      em.emit("transfer.created", tr, PLATFORM, undefined, ctx);
      return tr;
    },
    { platformOnly: true },
  );

  r.add(
    "POST",
    "/v1/transfers/:id/reversals",
    (ctx, [id]) => {
      validate(ctx.params, { amount: true, description: true, metadata: "map", refund_application_fee: true });
      const tr = ctx.em.store.get<Stripe.Transfer>(id, "transfer", PLATFORM);
      const remaining = tr.amount - tr.amount_reversed;
      if (remaining <= 0)
        throw invalidParam(
          "amount",
          `Transfer ${tr.id} has already been fully reversed.`,
          "transfer_already_reversed" as string,
        );
      const amount = int(ctx.params.amount, "amount", { min: 1 }) ?? remaining;
      if (amount > remaining)
        throw invalidParam(
          "amount",
          `Transfer reversal amount (${formatAmount(amount, tr.currency)}) is greater than the remaining amount on the transfer (${formatAmount(remaining, tr.currency)}).`,
          "amount_too_large",
        );
      const emit = emitter(ctx.em, ctx);
      const trr = reverseTransfer(ctx.em, tr, amount, { metadata: metadata(ctx.params.metadata) }, emit);
      if (bool(ctx.params.refund_application_fee, "refund_application_fee") && tr.source_transaction) {
        const ch = ctx.em.store.raw<Stripe.Charge>(tr.source_transaction as string);
        const fee = ch?.application_fee
          ? ctx.em.store.raw<Stripe.ApplicationFee>(ch.application_fee as string)
          : undefined;
        if (fee) {
          const fr = Math.min(proportional(amount, fee.amount, tr.amount), fee.amount - fee.amount_refunded);
          if (fr > 0) refundFee(ctx.em, fee, fr, emit);
        }
      }
      return trr;
    },
    { platformOnly: true },
  );
  r.add(
    "GET",
    "/v1/transfers/:id/reversals",
    (ctx, [id]) => {
      validate(ctx.params, LIST);
      const tr = ctx.em.store.get<Stripe.Transfer>(id, "transfer", PLATFORM);
      return paginate(tr.reversals.data, ctx.params as Record<string, string>, `/v1/transfers/${id}/reversals`);
    },
    { platformOnly: true },
  );

  r.add(
    "POST",
    "/v1/application_fees/:id/refunds",
    (ctx, [id]) => {
      validate(ctx.params, { amount: true, metadata: "map" });
      const fee = ctx.em.store.get<Stripe.ApplicationFee>(id, "application_fee", PLATFORM);
      const remaining = fee.amount - fee.amount_refunded;
      if (remaining <= 0)
        throw invalidParam("id", `Application fee ${fee.id} has already been refunded.`, "charge_already_refunded");
      const amount = int(ctx.params.amount, "amount", { min: 1 }) ?? remaining;
      if (amount > remaining)
        throw invalidParam(
          "amount",
          `Refund amount (${formatAmount(amount, fee.currency)}) is greater than unrefunded amount on fee (${formatAmount(remaining, fee.currency)})`,
          "amount_too_large",
        );
      return refundFee(ctx.em, fee, amount, emitter(ctx.em, ctx), metadata(ctx.params.metadata));
    },
    { platformOnly: true },
  );
  r.add(
    "GET",
    "/v1/application_fees/:id/refunds",
    (ctx, [id]) => {
      validate(ctx.params, LIST);
      const fee = ctx.em.store.get<Stripe.ApplicationFee>(id, "application_fee", PLATFORM);
      return paginate(fee.refunds.data, ctx.params as Record<string, string>, `/v1/application_fees/${id}/refunds`);
    },
    { platformOnly: true },
  );

  r.add("POST", "/v1/disputes/:id", (ctx, [id]) => {
    validate(ctx.params, { evidence: "any", metadata: "map", submit: true });
    const dp = ctx.em.store.get<Stripe.Dispute>(id, "dispute", ctx.account);
    if (dp.status === "won" || dp.status === "lost") throw invalidParam("dispute", "This dispute is already closed.");
    const ev = (ctx.params.evidence ?? {}) as Record<string, string>;
    dp.evidence = { ...dp.evidence, ...ev } as Stripe.Dispute.Evidence;
    dp.metadata = metadata(ctx.params.metadata, dp.metadata);
    const submit = bool(ctx.params.submit, "submit") ?? true;
    const prev = { status: dp.status };
    if (submit && Object.keys(ev).length) {
      dp.status = "under_review";
      dp.evidence_details.has_evidence = true;
      dp.evidence_details.submission_count += 1;
    }
    ctx.em.store.put(dp, ctx.account);
    ctx.em.emit("charge.dispute.updated", dp, ctx.account, prev, ctx);
    const text = ev.uncategorized_text ?? "";
    if (submit && text.includes("winning_evidence")) return closeDispute(ctx.em, id, "won", ctx);
    if (submit && text.includes("losing_evidence")) return closeDispute(ctx.em, id, "lost", ctx);
    return dp;
  });
  r.add("POST", "/v1/disputes/:id/close", (ctx, [id]) => {
    validate(ctx.params, {});
    ctx.em.store.get<Stripe.Dispute>(id, "dispute", ctx.account);
    return closeDispute(ctx.em, id, "lost", ctx);
  });
}

export { ApiError };
