// Refunds of charges, with the proportional transfer reversal and application fee refund.
import type Stripe from "stripe";
import type { Ctx, Emu, Router } from "../context.js";
import { newId, now } from "../ids.js";
import { validate, int, bool, str, metadata } from "../validate.js";
import { ApiError, invalidParam, missingParam } from "../errors.js";
import { formatAmount, proportional } from "../money.js";
import { createBt } from "./balance.js";
import { refundFee } from "./application-fees.js";
import { reverseTransfer } from "./transfers.js";
import { refundsFailLater } from "./cards.js";
import { chargeOwner, emitter, getter, lister, type Emitter } from "./shared.js";

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
  // Test card 4000 0000 0000 5126: the refund is answered as succeeded, then fails (Stripe sends the failure later).
  if (refundsFailLater(ch)) {
    const answered = structuredClone(re);
    failRefund(em, re.id, "expired_or_canceled_card", emit);
    return answered;
  }
  return re;
}

const FAILURE_REASONS = new Set([
  "charge_for_pending_refund_disputed",
  "declined",
  "expired_or_canceled_card",
  "insufficient_funds",
  "lost_or_stolen_card",
  "merchant_request",
  "unknown",
]);

/**
 * A refund that fails after it was created or succeeded, as card networks sometimes report days later: the refunded
 * amount comes back to the charge's account (a `refund_failure` balance transaction, `failure_balance_transaction`),
 * the charge counts it as unrefunded again, and `refund.updated`, `refund.failed` and `charge.refund.updated` go out.
 * A transfer reversal or application fee refund the refund made is not undone: that money stays where it went (the
 * platform must pay the connected account back itself).
 */
export function failRefund(em: Emu, refundId: string, reason = "unknown", emit: Emitter = emitter(em)): Stripe.Refund {
  const re = em.store.raw<Stripe.Refund>(refundId);
  if (!re || re.object !== "refund")
    throw new ApiError(404, {
      type: "invalid_request_error",
      code: "resource_missing",
      message: `No such refund: '${refundId}'`,
    });
  if (re.status !== "succeeded" && re.status !== "pending")
    throw new ApiError(400, {
      type: "invalid_request_error",
      code: "refund_unexpected_state",
      message: `Only a pending or succeeded refund can fail; this refund's status is ${re.status}.`,
    });
  if (!FAILURE_REASONS.has(reason)) throw invalidParam("failure_reason", `Invalid failure_reason: ${reason}`);
  const owner = em.store.ownerOf(re.id) ?? chargeOwner(em, re.charge as string);
  const ch = em.store.raw<Stripe.Charge>(re.charge as string)!;
  const bt = createBt(em, owner, { amount: re.amount, currency: re.currency, type: "refund_failure", source: re.id });
  const previous = re.status;
  re.status = "failed";
  re.failure_reason = reason;
  re.failure_balance_transaction = bt.id;
  em.store.put(re, owner);
  ch.amount_refunded -= re.amount;
  ch.refunded = false;
  em.store.put(ch, owner);
  emit("refund.updated", re, owner, { status: previous });
  emit("refund.failed", re, owner);
  emit("charge.refund.updated", re, owner, { status: previous });
  em.store.scheduleSave();
  return re;
}

export function register(r: Router): void {
  getter(r, "/v1/refunds/:id", "refund");
  lister(r, "/v1/refunds", "refund", ["charge", "payment_intent"]);
  r.add("POST", "/v1/refunds", (ctx) => refund(ctx));
}
