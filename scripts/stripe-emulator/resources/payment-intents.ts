// Payment intents and their charges: creation, confirmation with a test card (processing fee, application fee,
// destination-charge transfer) and the post-payment events.
import type Stripe from "stripe";
import { PLATFORM, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now } from "../ids.js";
import { processingFee } from "../money.js";
import { createBt } from "./balance.js";
import { cardOutcome, pmDetails } from "./cards.js";
import { openDispute } from "./disputes.js";
import { emitter, getter, lister } from "./shared.js";
import { ApiError } from "../errors.js";

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
  /** The payment method types the session offers (card unless it offers more). */
  payment_method_types?: string[];
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
    payment_method_types: d.payment_method_types ?? ["card"],
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

function baseCharge(
  id: string,
  pi: Stripe.PaymentIntent,
  details: Stripe.Charge.PaymentMethodDetails | null,
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
    payment_method_details: details,
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
  const ch = baseCharge(newId("ch"), pi, pmDetails(num), opts.email ?? null, opts.name ?? null);
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
  const { after } = captureCharge(em, owner, pi, ch, emit);
  return { status: "succeeded", charge: ch, ...{ after, dispute: outcome.dispute } } as ConfirmResult;
}

/**
 * A charge that succeeds: the processing fee, the application fee and the destination transfer move the money, then
 * `charge.succeeded` and `payment_intent.succeeded`. The fee and transfer events are returned in `after`, to follow
 * the session's own event.
 */
function captureCharge(
  em: Emu,
  owner: string,
  pi: Stripe.PaymentIntent,
  ch: Stripe.Charge,
  emit: ReturnType<typeof emitter>,
): { after: (() => void)[] } {
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
      ...baseCharge(pyId, pi, null, null, null),
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
  return { after };
}

/** Run the post-payment events (after checkout.session.completed) and the dispute card. */
export function finishPayment(em: Emu, owner: string, r: ConfirmResult, ctx?: Ctx): void {
  const x = r as ConfirmResult & { after?: (() => void)[]; dispute?: boolean };
  for (const f of x.after ?? []) f();
  if (x.dispute && r.charge) openDispute(em, r.charge.id, "fraudulent", ctx);
}

export function register(r: Router): void {
  getter(r, "/v1/payment_intents/:id", "payment_intent");
  lister(r, "/v1/payment_intents", "payment_intent", ["customer"]);
  getter(r, "/v1/charges/:id", "charge");
  lister(r, "/v1/charges", "charge", ["customer", "payment_intent", "transfer_group"]);
}

/**
 * Stripe's test account numbers for US bank accounts (ACH Direct Debit, routing number 110000000): what the debit
 * does once it settles. Any other number is refused (test mode accepts only these).
 */
export const TEST_BANK_ACCOUNTS: Record<string, { code: string; message: string } | null> = {
  "000123456789": null,
  "000111111113": { code: "account_closed", message: "The customer's bank account has been closed." },
  "000111111116": { code: "no_account", message: "The customer's bank account could not be located." },
  "000222222227": { code: "insufficient_funds", message: "The customer's account has insufficient funds." },
  "000333333335": {
    code: "debit_not_authorized",
    message: "The customer notified their bank this debit wasn't authorized.",
  },
  "000444444440": { code: "invalid_currency", message: "The bank account can't accept this currency." },
};
export const TEST_ROUTING_NUMBER = "110000000";

interface DelayedPayment {
  __delayed?: { accountNumber: string; session: string | null };
}

/**
 * Confirm a payment intent with a US bank account: the debit is `processing` (the charge `pending`) and moves no money
 * until `settleDelayedPayment`. Emits `charge.pending` and `payment_intent.processing`.
 */
export function confirmWithBankAccount(
  em: Emu,
  owner: string,
  pi: Stripe.PaymentIntent,
  bank: { accountNumber: string; routingNumber: string },
  opts: { email?: string | null; name?: string | null; session: string | null },
): Stripe.Charge {
  const details = {
    type: "us_bank_account",
    us_bank_account: {
      account_holder_type: "individual",
      account_type: "checking",
      bank_name: "STRIPE TEST BANK",
      fingerprint: "emu" + bank.accountNumber.slice(-8),
      last4: bank.accountNumber.slice(-4),
      mandate: null,
      payment_reference: null,
      routing_number: bank.routingNumber,
    },
  } as unknown as Stripe.Charge.PaymentMethodDetails;
  pi.payment_method = newId("pm");
  const ch = baseCharge(newId("ch"), pi, details, opts.email ?? null, opts.name ?? null);
  em.store.put(ch, owner);
  pi.status = "processing";
  pi.latest_charge = ch.id;
  pi.last_payment_error = null;
  pi.processing = null;
  (pi as Stripe.PaymentIntent & DelayedPayment).__delayed = {
    accountNumber: bank.accountNumber,
    session: opts.session,
  };
  em.store.put(pi, owner);
  em.emit("charge.pending", ch, owner);
  em.emit("payment_intent.processing", pi, owner);
  return ch;
}

/**
 * Settle a processing bank debit as its test account number says. Success moves the money as a card would (fees,
 * transfer); failure fails the charge and returns the intent to `requires_payment_method`. `onSettled` runs between
 * the payment's events and the fee/transfer events (the session's own event goes there).
 */
export function settleDelayedPayment(
  em: Emu,
  piId: string,
  onSettled: (pi: Stripe.PaymentIntent, session: string | null) => void,
): Stripe.PaymentIntent {
  const pi = em.store.raw<Stripe.PaymentIntent & DelayedPayment>(piId);
  if (!pi || pi.object !== "payment_intent")
    throw new ApiError(404, {
      type: "invalid_request_error",
      code: "resource_missing",
      message: `No such payment_intent: '${piId}'`,
    });
  const delayed = pi.__delayed;
  if (pi.status !== "processing" || !delayed)
    throw new ApiError(400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message: `Only a processing bank debit can settle; this PaymentIntent's status is ${pi.status}.`,
    });
  const owner = em.store.ownerOf(pi.id) ?? PLATFORM;
  const ch = em.store.raw<Stripe.Charge>(pi.latest_charge as string)!;
  const failure = TEST_BANK_ACCOUNTS[delayed.accountNumber];
  delete pi.__delayed;
  const emit = emitter(em);
  if (failure) {
    ch.status = "failed";
    ch.failure_code = failure.code;
    ch.failure_message = failure.message;
    em.store.put(ch, owner);
    pi.status = "requires_payment_method";
    pi.payment_method = null;
    pi.last_payment_error = {
      type: "card_error",
      charge: ch.id,
      code: failure.code,
      message: failure.message,
      doc_url: `https://stripe.com/docs/error-codes/${failure.code.replace(/_/g, "-")}`,
    } as Stripe.PaymentIntent.LastPaymentError;
    em.store.put(pi, owner);
    emit("charge.failed", ch, owner);
    emit("payment_intent.payment_failed", pi, owner);
    onSettled(pi, delayed.session);
    return pi;
  }
  const { after } = captureCharge(em, owner, pi, ch, emit);
  onSettled(pi, delayed.session);
  for (const f of after) f();
  return pi;
}
