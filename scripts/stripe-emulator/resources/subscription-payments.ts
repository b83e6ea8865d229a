// Paying a subscription's open invoices with a card outside the dunning schedule: a new default card from the
// portal, and the hosted invoice page (including its 3-D Secure step).
import { PLATFORM, type Emu } from "../context.js";
import { newId } from "../ids.js";
import { cardOutcome } from "./cards.js";
import { finishPayment, type ConfirmResult } from "./payment-intents.js";
import { attemptPayment, openInvoices, timeFor, type Collected, type Customer, type Invoice } from "./invoices.js";
import { reactivate, type Subscription } from "./subscription-state.js";

export interface CardUpdateResult {
  ok: boolean;
  error?: string;
  paid: string[];
  failed: string[];
}

/**
 * Attach a new default card (portal form; same test-card rules as Checkout: declines are refused at
 * attach time, …0341 attaches but its charges fail, 3-D Secure is approved) and retry every open
 * invoice of the customer's past_due/unpaid subscriptions with it right away.
 */
export function setCustomerCard(em: Emu, owner: string, customerId: string, card: string): CardUpdateResult {
  const c = em.store.get<Customer>(customerId, "customer", owner, "customer");
  const num = card.replace(/[\s-]/g, "");
  const outcome = cardOutcome(num);
  if (outcome.kind === "invalid") return { ok: false, error: outcome.message, paid: [], failed: [] };
  if (outcome.kind === "decline" && num !== "4000000000000341")
    return { ok: false, error: outcome.message, paid: [], failed: [] };
  const prevPm = c.invoice_settings.default_payment_method;
  c.__card = num;
  c.invoice_settings.default_payment_method = newId("pm");
  em.store.put(c, owner);
  em.emit("customer.updated", c, owner, { invoice_settings: { default_payment_method: prevPm } });
  const out: CardUpdateResult = { ok: true, paid: [], failed: [] };
  const subs = em.store
    .all<Subscription>("subscription", owner, (s) => s.customer === c.id && s.status !== "canceled")
    .reverse();
  for (const sub of subs) {
    const prev: Record<string, unknown> = { default_payment_method: sub.default_payment_method };
    sub.default_payment_method = c.invoice_settings.default_payment_method as string;
    const paid: ConfirmResult[] = [];
    if (sub.status === "past_due" || sub.status === "unpaid") {
      for (const inv of openInvoices(em, owner, sub.id)) {
        const r = attemptPayment(em, owner, sub, inv, timeFor(em, c.id), { number: num, onSession: true });
        (r.outcome === "paid" ? out.paid : out.failed).push(inv.id);
        if (r.outcome === "paid" && r.result) paid.push(r.result);
      }
      if (paid.length) reactivate(em, owner, sub, prev);
    }
    em.store.put(sub, owner);
    em.emit("customer.subscription.updated", sub, owner, prev);
    for (const r of paid) finishPayment(em, owner, r);
  }
  return out;
}

/** Hosted invoice page: pay an open invoice with a card, or finish its 3-D Secure authentication. */
export function afterInvoicePayment(em: Emu, inv: Invoice, c: Collected): void {
  const owner = em.store.ownerOf(inv.id) ?? PLATFORM;
  const subId = inv.parent?.subscription_details?.subscription as string | undefined;
  const sub = subId ? em.store.raw<Subscription>(subId) : undefined;
  if (sub && c.outcome === "paid") {
    const prev: Record<string, unknown> = {};
    reactivate(em, owner, sub, prev);
    if (Object.keys(prev).length) em.emit("customer.subscription.updated", sub, owner, prev);
  }
  if (c.result && c.outcome === "paid") finishPayment(em, owner, c.result);
}

export function payInvoiceWithCard(em: Emu, inv: Invoice, card: string): Collected {
  const owner = em.store.ownerOf(inv.id) ?? PLATFORM;
  const sub = em.store.raw<Subscription>(inv.parent!.subscription_details!.subscription as string)!;
  const outcome = cardOutcome(card);
  if (outcome.kind === "invalid")
    return {
      outcome: "failed",
      result: { status: "failed", error: { code: outcome.code!, message: outcome.message! } },
    };
  const c = attemptPayment(em, owner, sub, inv, timeFor(em, inv.customer as string), { number: card, onSession: true });
  afterInvoicePayment(em, inv, c);
  return c;
}
