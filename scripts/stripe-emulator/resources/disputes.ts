// Disputes: opened by the dispute test card or the control API, evidence submission, won/lost with the
// chargeback and its reversal in the balance.
import type Stripe from "stripe";
import { publicView, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now } from "../ids.js";
import { validate, bool, metadata } from "../validate.js";
import { invalidParam } from "../errors.js";
import { DISPUTE_FEE } from "../money.js";
import { createBt } from "./balance.js";
import { chargeOwner, emitter, getter, lister } from "./shared.js";

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

export function register(r: Router): void {
  getter(r, "/v1/disputes/:id", "dispute");
  lister(r, "/v1/disputes", "dispute", ["charge", "payment_intent"]);

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
