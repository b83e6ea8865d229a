// Hosted invoice page (/invoices/:id, the invoice's hosted_invoice_url): shows the invoice and lets the
// customer pay an open one with a card, or complete the 3-D Secure step of a payment that requires action.
import type http from "node:http";
import type Stripe from "stripe";
import type { Emu } from "../context.js";
import { formatAmount } from "../money.js";
import { authenticateInvoicePayment, type Invoice } from "../resources/invoices.js";
import { afterInvoicePayment, payInvoiceWithCard } from "../resources/subscription-payments.js";
import { esc, page } from "./layout.js";
import { form, html, longDate, redirect } from "./http.js";

function needsAuth(em: Emu, inv: Invoice): boolean {
  const piId = inv.payments?.data[0]?.payment.payment_intent as string | undefined;
  const pi = piId ? em.store.raw<Stripe.PaymentIntent>(piId) : undefined;
  return inv.status === "open" && !!inv.__actionCard && pi?.status === "requires_action";
}

function invoicePage(em: Emu, inv: Invoice, err?: string): string {
  const lines = inv.lines.data
    .map(
      (l) =>
        `<div class="line"><span>${esc(l.description)}</span><span>${esc(formatAmount(l.amount, inv.currency))}</span></div>`,
    )
    .join("");
  const credit = inv.total - inv.amount_due;
  let action: string;
  if (inv.status === "paid")
    action = `<p class="ok" id="paid">Paid on ${esc(longDate(inv.status_transitions.paid_at ?? inv.created))}.</p>`;
  else if (inv.status !== "open")
    action = `<p class="muted" id="not-payable">This invoice is ${esc(inv.status)} and cannot be paid.</p>`;
  else if (needsAuth(em, inv))
    action = `<h2>Authentication required</h2><p class="muted">Your bank asks you to confirm this payment of <b>${esc(formatAmount(inv.amount_due, inv.currency))}</b> (3D Secure test page).</p>
      <form method="post"><button name="action" value="approve" id="approve">Complete authentication</button>
      <button name="action" value="fail" class="danger" id="fail">Fail authentication</button></form>`;
  else
    action = `<h2>Pay with card</h2><form method="post"><input type="hidden" name="action" value="pay">
      <label for="cardnumber">Card information</label><input type="text" id="cardnumber" name="card" inputmode="numeric" placeholder="4242 4242 4242 4242" required>
      <div class="row"><div><label for="exp">Expiry</label><input type="text" id="exp" name="exp" value="12 / 34"></div><div><label for="cvc">CVC</label><input type="text" id="cvc" name="cvc" value="123"></div></div>
      <button type="submit" id="pay">Pay ${esc(formatAmount(inv.amount_remaining, inv.currency))}</button></form>`;
  return page(
    `Invoice ${inv.number ?? inv.id}`,
    `<div class="grid"><div>
    <p class="muted">Invoice ${esc(inv.number ?? "(draft)")} · Emulated Marketplace</p>
    <div class="total" id="amount-due">${esc(formatAmount(inv.amount_due, inv.currency))}</div>
    <p><span class="pill" id="status">${esc(inv.status)}</span></p>
    <div class="card">${lines}${credit > 0 ? `<div class="line"><span>Applied balance</span><span>−${esc(formatAmount(credit, inv.currency))}</span></div>` : ""}
    <div class="line" style="border:0;font-weight:600"><span>Amount due</span><span>${esc(formatAmount(inv.amount_due, inv.currency))}</span></div></div>
  </div><div class="card">${err ? `<div class="error" role="alert" id="error">${esc(err)}</div>` : ""}${action}</div></div>`,
  );
}

export async function handleInvoicePage(
  em: Emu,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<boolean> {
  const m = /^\/invoices\/([^/]+)$/.exec(url.pathname);
  if (!m) return false;
  const inv = em.store.raw<Invoice>(m[1]);
  if (!inv || inv.object !== "invoice" || inv.status === "draft") {
    html(res, 404, page("Not found", `<div class="card"><h1>Invoice not found</h1></div>`));
    return true;
  }
  if (req.method !== "POST" || inv.status !== "open") {
    html(res, 200, invoicePage(em, inv));
    return true;
  }
  const f = await form(req);
  if (f.action === "approve" || f.action === "fail") {
    if (!needsAuth(em, inv)) return (redirect(res, url.pathname), true);
    const c = authenticateInvoicePayment(em, inv, f.action === "approve");
    afterInvoicePayment(em, inv, c);
    if (c.outcome === "paid") return (redirect(res, url.pathname), true);
    html(res, 402, invoicePage(em, inv, c.result?.error?.message ?? "The payment failed."));
    return true;
  }
  const c = payInvoiceWithCard(em, inv, f.card ?? "");
  if (c.outcome === "paid") return (redirect(res, url.pathname), true);
  html(res, 402, invoicePage(em, inv, c.result?.error?.message ?? "The payment failed."));
  return true;
}
