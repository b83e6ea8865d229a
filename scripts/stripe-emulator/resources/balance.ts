// Balance transactions, balance and payouts.
import type Stripe from "stripe";
import { PLATFORM, publicView, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, int, str, metadata } from "../validate.js";
import { ApiError, invalidParam } from "../errors.js";

export interface BtInput {
  amount: number;
  currency: string;
  type: Stripe.BalanceTransaction.Type;
  source: string | null;
  fee?: number;
  feeDetails?: Stripe.BalanceTransaction.FeeDetail[];
  description?: string | null;
  reporting_category?: string;
}

export function createBt(em: Emu, owner: string, i: BtInput): Stripe.BalanceTransaction {
  const fee = i.fee ?? 0;
  const bt: Stripe.BalanceTransaction = {
    id: newId("txn"),
    object: "balance_transaction",
    amount: i.amount,
    available_on: now(),
    balance_type: "payments",
    created: now(),
    currency: i.currency,
    description: i.description ?? null,
    exchange_rate: null,
    fee,
    fee_details: i.feeDetails ?? [],
    net: i.amount - fee,
    reporting_category: i.reporting_category ?? i.type,
    source: i.source,
    status: "available",
    type: i.type,
  };
  return em.store.put(bt, owner);
}

export function balanceOf(em: Emu, owner: string): Stripe.Balance {
  const byCur = new Map<string, { available: number; pending: number }>();
  const t = now();
  for (const bt of em.store.all<Stripe.BalanceTransaction>("balance_transaction", owner)) {
    const e = byCur.get(bt.currency) ?? { available: 0, pending: 0 };
    if (bt.available_on <= t) e.available += bt.net;
    else e.pending += bt.net;
    byCur.set(bt.currency, e);
  }
  if (byCur.size === 0) byCur.set("usd", { available: 0, pending: 0 });
  const src = { card: 0 };
  return {
    object: "balance",
    available: [...byCur].map(([currency, v]) => ({
      amount: v.available,
      currency,
      source_types: { ...src, card: v.available },
    })),
    pending: [...byCur].map(([currency, v]) => ({
      amount: v.pending,
      currency,
      source_types: { ...src, card: v.pending },
    })),
    livemode: false,
  } as Stripe.Balance;
}

export function availableIn(em: Emu, owner: string, currency: string): number {
  return balanceOf(em, owner).available.find((a) => a.currency === currency)?.amount ?? 0;
}

export function register(r: Router): void {
  r.add("GET", "/v1/balance", (ctx) => {
    validate(ctx.params, {});
    return balanceOf(ctx.em, ctx.account);
  });
  r.add("GET", "/v1/balance_transactions", (ctx) => {
    validate(ctx.params, { ...LIST, type: true, source: true, currency: true, payout: true });
    const p = ctx.params;
    let items = ctx.em.store.all<Stripe.BalanceTransaction>(
      "balance_transaction",
      ctx.account,
      (b) =>
        (!p.type || b.type === p.type) &&
        (!p.source || b.source === p.source) &&
        (!p.currency || b.currency === p.currency),
    );
    items = applyCreatedFilter(items, p.created);
    return paginate(items, p as Record<string, string>, "/v1/balance_transactions");
  });
  r.add("GET", "/v1/balance_transactions/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "balance_transaction", ctx.account);
  });

  r.add("POST", "/v1/payouts", (ctx) => createPayout(ctx));
  r.add("GET", "/v1/payouts", (ctx) => {
    validate(ctx.params, { ...LIST, status: true, arrival_date: "any", destination: true });
    let items = ctx.em.store.all<Stripe.Payout>(
      "payout",
      ctx.account,
      (p) => !ctx.params.status || p.status === ctx.params.status,
    );
    items = applyCreatedFilter(items, ctx.params.created);
    return paginate(items, ctx.params as Record<string, string>, "/v1/payouts");
  });
  r.add("GET", "/v1/payouts/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "payout", ctx.account);
  });
}

function createPayout(ctx: Ctx): Stripe.Payout {
  validate(ctx.params, {
    "amount!": true,
    "currency!": true,
    description: true,
    metadata: "map",
    method: true,
    statement_descriptor: true,
    destination: true,
    source_type: true,
  });
  const amount = int(ctx.params.amount, "amount", { min: 1 })!;
  const currency = (str(ctx.params.currency) ?? "usd").toLowerCase();
  const method = str(ctx.params.method) ?? "standard";
  if (method !== "standard" && method !== "instant")
    throw invalidParam("method", "Invalid method: must be one of standard or instant");
  const available = availableIn(ctx.em, ctx.account, currency);
  if (amount > available) {
    throw new ApiError(400, {
      type: "invalid_request_error",
      code: "balance_insufficient",
      message: `You have insufficient funds in your Stripe account for this transfer. Your card balance is too low. You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance).`,
    });
  }
  const id = newId("po");
  const bt = createBt(ctx.em, ctx.account, {
    amount: -amount,
    currency,
    type: "payout",
    source: id,
    description: str(ctx.params.description) ?? "STRIPE PAYOUT",
  });
  const payout = {
    id,
    object: "payout",
    amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: now() + 2 * 86400,
    automatic: false,
    balance_transaction: bt.id,
    created: now(),
    currency,
    description: str(ctx.params.description) ?? null,
    destination: "ba_emulator_bank",
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: metadata(ctx.params.metadata),
    method,
    original_payout: null,
    payout_method: null,
    reconciliation_status: "not_applicable",
    reversed_by: null,
    source_type: "card",
    statement_descriptor: str(ctx.params.statement_descriptor) ?? null,
    status: "pending",
    trace_id: null,
    type: "bank_account",
  } satisfies Stripe.Payout;
  ctx.em.store.put(payout, ctx.account);
  ctx.em.emit("payout.created", payout, ctx.account, undefined, ctx);
  const prev = { status: "pending" };
  payout.status = "paid";
  ctx.em.emit("payout.paid", payout, ctx.account, prev, ctx);
  ctx.em.emit("balance.available", balanceOf(ctx.em, ctx.account), ctx.account, undefined, ctx);
  return publicView(payout);
}

/** Stripe's payout failure codes and the messages it puts beside them. */
export const PAYOUT_FAILURES: Record<string, string> = {
  account_closed: "The bank account has been closed.",
  account_frozen: "The bank account has been frozen.",
  bank_account_restricted: "The bank account has restrictions on either the type, or the number, of payouts allowed.",
  bank_ownership_changed: "The destination bank account is no longer valid because its branch has changed ownership.",
  could_not_process: "The bank could not process this payout.",
  debit_not_authorized: "Debit transactions are not approved on the bank account.",
  declined: "The bank has declined this transfer.",
  incorrect_account_holder_name: "Your bank notified us that the bank account holder name on file is incorrect.",
  insufficient_funds: "Your Stripe account has insufficient funds to cover the payout.",
  invalid_account_number: "The routing number seems correct, but the account number is invalid.",
  invalid_currency: "The bank was unable to process this payout because of its currency.",
  no_account:
    "The bank account details on file are probably incorrect. No bank account could be located with those details.",
};

/**
 * A bank reports a payout failed (days later, even after `paid`, as Stripe allows): `failure_code` and
 * `failure_message`, the amount back on the account's balance (a `payout_failure` balance transaction), `payout.failed`.
 */
export function failPayout(em: Emu, payoutId: string, code = "could_not_process"): Stripe.Payout {
  const payout = em.store.raw<Stripe.Payout>(payoutId);
  if (!payout || payout.object !== "payout")
    throw new ApiError(404, {
      type: "invalid_request_error",
      code: "resource_missing",
      message: `No such payout: '${payoutId}'`,
    });
  if (payout.status !== "paid" && payout.status !== "pending" && payout.status !== "in_transit")
    throw new ApiError(400, {
      type: "invalid_request_error",
      code: "payout_unexpected_state",
      message: `Only a pending, in transit or paid payout can fail; this payout's status is ${payout.status}.`,
    });
  const message = PAYOUT_FAILURES[code];
  if (!message) throw invalidParam("failure_code", `Invalid failure_code: ${code}`);
  const owner = em.store.ownerOf(payout.id) ?? PLATFORM;
  const bt = createBt(em, owner, {
    amount: payout.amount,
    currency: payout.currency,
    type: "payout_failure",
    source: payout.id,
    description: "STRIPE PAYOUT FAILURE",
  });
  const previous = payout.status;
  payout.status = "failed";
  payout.failure_code = code;
  payout.failure_message = message;
  payout.failure_balance_transaction = bt.id;
  em.store.put(payout, owner);
  em.emit("payout.failed", payout, owner, { status: previous });
  em.emit("balance.available", balanceOf(em, owner), owner);
  em.store.scheduleSave();
  return publicView(payout);
}

export { PLATFORM };
