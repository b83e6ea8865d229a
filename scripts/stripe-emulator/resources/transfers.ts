// Transfers to connected accounts (separate and destination charges) and their reversals.
import type Stripe from "stripe";
import { PLATFORM, type Emu, type Router } from "../context.js";
import { newId, now } from "../ids.js";
import { paginate } from "../store.js";
import { validate, LIST, int, bool, str, metadata } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";
import { formatAmount, proportional } from "../money.js";
import { createBt } from "./balance.js";
import { refundFee } from "./application-fees.js";
import { emitter, getter, lister, type Emitter } from "./shared.js";

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

export function register(r: Router): void {
  getter(r, "/v1/transfers/:id", "transfer");
  lister(r, "/v1/transfers", "transfer", ["destination", "transfer_group"]);

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
}
