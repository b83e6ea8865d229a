// Refunds of charges, with the proportional transfer reversal and application fee refund.
import type Stripe from "stripe";
import type { Ctx, Router } from "../context.js";
import { newId, now } from "../ids.js";
import { validate, int, bool, str, metadata } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";
import { formatAmount, proportional } from "../money.js";
import { createBt } from "./balance.js";
import { refundFee } from "./application-fees.js";
import { reverseTransfer } from "./transfers.js";
import { chargeOwner, emitter, getter, lister } from "./shared.js";

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

export function register(r: Router): void {
  getter(r, "/v1/refunds/:id", "refund");
  lister(r, "/v1/refunds", "refund", ["charge", "payment_intent"]);
  r.add("POST", "/v1/refunds", (ctx) => refund(ctx));
}
