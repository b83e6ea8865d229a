// Application fees (the platform's cut of a charge) and their refunds.
import type Stripe from "stripe";
import { PLATFORM, type Emu, type Router } from "../context.js";
import { newId, now } from "../ids.js";
import { paginate } from "../store.js";
import { validate, LIST, int, metadata } from "../validate.js";
import { invalidParam } from "../errors.js";
import { formatAmount } from "../money.js";
import { createBt } from "./balance.js";
import { emitter, getter, lister, type Emitter } from "./shared.js";

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

export function register(r: Router): void {
  getter(r, "/v1/application_fees/:id", "application_fee");
  lister(r, "/v1/application_fees", "application_fee", ["charge"]);

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
}
