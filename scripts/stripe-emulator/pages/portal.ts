// Hosted billing portal (/p/session/:token): subscriptions, cancel at period end / renew, price
// switch, card update (retries open invoices), invoice history. Every change goes through the same
// functions as the API, so it emits the same events.
import type http from "node:http";
import type Stripe from "stripe";
import { PLATFORM, type Emu } from "../context.js";
import { ApiError } from "../errors.js";
import { formatAmount } from "../money.js";
import { findPortalSession, markVisited, portalExpired, type PortalSession } from "../resources/portal.js";
import { setCustomerCard } from "../resources/subscription-payments.js";
import { subAmount, type Subscription } from "../resources/subscription-state.js";
import { updateSubscription } from "../resources/subscription-updates.js";
import { pendingItems, priceLabel, productName, type Customer } from "../resources/invoices.js";
import { esc, page } from "./layout.js";
import { form, html, longDate, redirect } from "./http.js";

const DONE: Record<string, string> = {
  canceled: "Your subscription will be canceled at the end of the billing period.",
  renewed: "Your subscription will renew.",
  switched: "Your plan has been updated.",
  card: "Your payment method has been updated.",
  card_paid: "Your payment method has been updated and your outstanding invoice was paid.",
  card_failed: "Your payment method has been updated, but the outstanding invoice could not be paid with it.",
};

function liveSubs(em: Emu, owner: string, customer: string): Subscription[] {
  return em.store.all<Subscription>(
    "subscription",
    owner,
    (s) => s.customer === customer && s.status !== "canceled" && s.status !== "incomplete_expired",
  );
}

/** Other active recurring prices of the same product and currency (e.g. monthly ↔ yearly). */
function alternatives(em: Emu, owner: string, sub: Stripe.Subscription): Stripe.Price[] {
  const cur = sub.items.data[0].price;
  return em.store
    .all<Stripe.Price>(
      "price",
      owner,
      (p) =>
        p.active &&
        p.type === "recurring" &&
        p.product === cur.product &&
        p.currency === cur.currency &&
        p.id !== cur.id,
    )
    .reverse();
}

function nextAmount(em: Emu, owner: string, sub: Subscription, c: Customer): number {
  const total = subAmount(sub) + pendingItems(em, owner, sub.id).reduce((t, ii) => t + ii.amount, 0);
  return Math.max(0, total + Math.min(c.balance, 0));
}

function statusLine(em: Emu, owner: string, sub: Subscription, c: Customer): string {
  const end = sub.items.data[0].current_period_end;
  const amount = formatAmount(nextAmount(em, owner, sub, c), sub.currency);
  if (sub.cancel_at_period_end && sub.cancel_at)
    return `<p class="cancels">Cancels on ${esc(longDate(sub.cancel_at))}</p>`;
  if (sub.status === "paused")
    return `<p class="muted">Paused — no invoices are created until the subscription is resumed.</p>`;
  if (sub.status === "trialing" && sub.trial_end)
    return `<p class="muted">Trial ends ${esc(longDate(sub.trial_end))}; then ${esc(amount)} on ${esc(longDate(sub.trial_end))}.</p>`;
  const due =
    sub.status === "past_due" || sub.status === "unpaid"
      ? `<p class="error" role="alert">Your last payment failed. Update your payment method to pay the outstanding invoice.</p>`
      : "";
  return `${due}<p class="muted">Next invoice: ${esc(amount)} on ${esc(longDate(end))}</p>`;
}

function subCard(em: Emu, owner: string, sub: Subscription, c: Customer): string {
  const price = sub.items.data[0].price;
  const alts = alternatives(em, owner, sub);
  const cancelForm =
    sub.status === "paused"
      ? ""
      : sub.cancel_at_period_end
        ? `<form method="post"><input type="hidden" name="sub" value="${esc(sub.id)}"><button name="action" value="renew" class="secondary" id="renew-${esc(sub.id)}">Don't cancel (renew subscription)</button></form>`
        : `<form method="post"><input type="hidden" name="sub" value="${esc(sub.id)}"><button name="action" value="cancel" class="danger" id="cancel-${esc(sub.id)}">Cancel subscription</button></form>`;
  const switchForm =
    alts.length && sub.status !== "paused"
      ? `<form method="post"><input type="hidden" name="sub" value="${esc(sub.id)}"><input type="hidden" name="action" value="switch">
       ${alts.map((p) => `<button name="price" value="${esc(p.id)}" class="secondary" id="switch-${esc(p.id)}">Switch to ${esc(priceLabel(p))}</button>`).join("")}</form>`
      : "";
  return `<div class="card sub" id="sub-${esc(sub.id)}" style="margin-bottom:16px">
    <h2>${esc(productName(em, price))}</h2>
    <div class="total">${esc(priceLabel(price))}</div>
    <p><span class="pill status">${esc(sub.status)}</span></p>
    ${statusLine(em, owner, sub, c)}
    ${switchForm}${cancelForm}</div>`;
}

function invoiceRows(em: Emu, owner: string, customer: string): string {
  const invs = em.store.all<Stripe.Invoice>("invoice", owner, (i) => i.customer === customer);
  if (!invs.length) return `<tr><td colspan="5">No invoices yet</td></tr>`;
  return invs
    .map(
      (
        i,
      ) => `<tr class="invoice"><td>${esc(longDate(i.created))}</td><td>${esc(formatAmount(i.total, i.currency))}</td><td>${esc(i.status)}</td>
    <td>${esc((i.billing_reason ?? "").replace(/_/g, " "))}</td><td>${i.hosted_invoice_url ? `<a href="${esc(i.hosted_invoice_url)}">${i.status === "open" ? "Pay" : "View"}</a>` : ""}</td></tr>`,
    )
    .join("");
}

function portalPage(em: Emu, s: PortalSession, msg?: string, err?: string): string {
  const owner = em.store.ownerOf(s.id) ?? PLATFORM;
  const c = em.store.raw<Customer>(s.customer)!;
  const subs = liveSubs(em, owner, c.id);
  const last4 = c.__card ? c.__card.slice(-4) : null;
  return page(
    "Billing portal",
    `
<div class="grid">
  <div>
    ${s.return_url ? `<a href="${esc(s.return_url)}" id="return-link">← Return to Emulated Marketplace</a>` : ""}
    <h1 style="margin-top:16px">Manage your billing</h1><p class="muted">${esc(c.email ?? c.id)}${c.balance < 0 ? ` · Credit balance ${esc(formatAmount(-c.balance, subs[0]?.currency ?? "usd"))}` : ""}</p>
    ${msg ? `<div class="ok" role="status" id="message">${esc(msg)}</div>` : ""}
    ${err ? `<div class="error" role="alert" id="error">${esc(err)}</div>` : ""}
    <h2 style="margin-top:16px">Current subscriptions</h2>
    ${subs.map((sub) => subCard(em, owner, sub, c)).join("") || `<div class="card"><p class="muted">No active subscriptions.</p></div>`}
  </div>
  <div>
    <div class="card" style="margin-bottom:16px"><h2>Payment method</h2>
      <p class="muted" id="card-on-file">${last4 ? `Card ending in ${esc(last4)}` : "No payment method on file"}</p>
      <form method="post"><input type="hidden" name="action" value="card">
        <label for="cardnumber">Card number</label><input type="text" id="cardnumber" name="card" inputmode="numeric" placeholder="4242 4242 4242 4242" required autocomplete="cc-number">
        <div class="row"><div><label for="exp">Expiry</label><input type="text" id="exp" name="exp" placeholder="MM / YY" value="12 / 34"></div>
        <div><label for="cvc">CVC</label><input type="text" id="cvc" name="cvc" placeholder="123" value="123"></div></div>
        <button type="submit" id="update-card">Update payment method</button>
      </form>
      <div class="cards">Test cards: <code>4242 4242 4242 4242</code> · <code>4000 0000 0000 0341</code> attaches, charges fail · <code>4000 0000 0000 0002</code> declined</div>
    </div>
    <div class="card"><h2>Invoice history</h2><table id="invoices"><tr><th>Date</th><th>Amount</th><th>Status</th><th>Reason</th><th></th></tr>${invoiceRows(em, owner, c.id)}</table></div>
  </div>
</div>`,
  );
}

/** Card form checks the hosted pages do before talking to the card network. */
function cardFormError(f: Record<string, string>): string | null {
  const exp = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(f.exp ?? "");
  if (!exp || Number(exp[1]) < 1 || Number(exp[1]) > 12) return "Your card's expiration date is incomplete.";
  const year = exp[2].length === 2 ? 2000 + Number(exp[2]) : Number(exp[2]);
  const d = new Date();
  if (year < d.getUTCFullYear() || (year === d.getUTCFullYear() && Number(exp[1]) < d.getUTCMonth() + 1))
    return "Your card's expiration year is in the past.";
  if (!/^\d{3,4}$/.test((f.cvc ?? "").trim())) return "Your card's security code is incomplete.";
  return null;
}

function act(em: Emu, s: PortalSession, f: Record<string, string>): { done?: string; error?: string } {
  const owner = em.store.ownerOf(s.id) ?? PLATFORM;
  if (f.action === "card") {
    const e = cardFormError(f);
    if (e) return { error: e };
    const r = setCustomerCard(em, owner, s.customer, f.card ?? "");
    if (!r.ok) return { error: r.error };
    return { done: r.failed.length ? "card_failed" : r.paid.length ? "card_paid" : "card" };
  }
  const sub = liveSubs(em, owner, s.customer).find((x) => x.id === f.sub);
  if (!sub) return { error: "This subscription can no longer be changed." };
  if (f.action === "cancel" || f.action === "renew") {
    updateSubscription(em, owner, sub, { cancel_at_period_end: f.action === "cancel" ? "true" : "false" }).after();
    return { done: f.action === "cancel" ? "canceled" : "renewed" };
  }
  if (f.action === "switch") {
    if (!alternatives(em, owner, sub).some((p) => p.id === f.price)) return { error: "This plan is not available." };
    // the portal prorates like the API default (create_prorations); an interval change invoices now
    updateSubscription(em, owner, sub, {
      items: [{ id: sub.items.data[0].id, price: f.price }],
      proration_behavior: "create_prorations",
    }).after();
    return { done: "switched" };
  }
  return { error: "Unknown action." };
}

export async function handlePortalPage(
  em: Emu,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<boolean> {
  const m = /^\/p\/session\/([^/]+)$/.exec(url.pathname);
  if (!m) return false;
  const s = findPortalSession(em, m[1]);
  if (!s) {
    html(res, 404, page("Not found", `<div class="card"><h1>This link is invalid</h1></div>`));
    return true;
  }
  if (portalExpired(s)) {
    html(
      res,
      410,
      page(
        "Session expired",
        `<div class="card" id="expired"><h1>This session has expired</h1><p class="muted">Return to the merchant and open the billing portal again.</p>${s.return_url ? `<a class="btn secondary" href="${esc(s.return_url)}">Return to Emulated Marketplace</a>` : ""}</div>`,
      ),
    );
    return true;
  }
  markVisited(em, s);
  if (req.method === "POST") {
    const f = await form(req);
    try {
      const r = act(em, s, f);
      if (r.error) html(res, 402, portalPage(em, s, undefined, r.error));
      else redirect(res, `${url.pathname}?done=${r.done}`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      html(res, 400, portalPage(em, s, undefined, e.body.message));
    }
    return true;
  }
  html(res, 200, portalPage(em, s, DONE[url.searchParams.get("done") ?? ""]));
  return true;
}
