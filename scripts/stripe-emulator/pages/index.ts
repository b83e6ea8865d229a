// Hosted pages: Checkout, Express onboarding, Express dashboard.
import type http from "node:http";
import type Stripe from "stripe";
import { ApiError } from "../errors.js";
import { PLATFORM, type Emu } from "../context.js";
import { now } from "../ids.js";
import { formatAmount } from "../money.js";
import { paySession, sweepExpired, type Session } from "../resources/checkout.js";
import { setOnboarding } from "../resources/accounts.js";
import { balanceOf } from "../resources/balance.js";
import { esc, page } from "./layout.js";
import { html, redirect, form } from "./http.js";
import { handlePortalPage } from "./portal.js";
import { handleInvoicePage } from "./invoice.js";

function successUrl(s: Session): string {
  return (s.success_url ?? "/").replace(/\{CHECKOUT_SESSION_ID\}/g, s.id);
}

/** Subscription trial with payment_method_collection=if_required: the card may be left empty. */
function cardOptional(s: Session): boolean {
  return (
    s.mode === "subscription" &&
    s.payment_method_collection === "if_required" &&
    !!(s.__sub?.trial_period_days || s.__sub?.trial_end)
  );
}

function checkoutPage(em: Emu, s: Session, err?: string, vals: Record<string, string> = {}): string {
  const items = (em.store.data.lineItems[s.id] ?? []).map((id) => em.store.raw<Stripe.LineItem>(id)!);
  const cur = s.currency ?? "usd";
  const lines = items
    .map(
      (l) =>
        `<div class="line"><span>${esc(l.description)}${(l.quantity ?? 1) > 1 ? ` × ${l.quantity}` : ""}</span><span>${esc(formatAmount(l.amount_total, cur))}</span></div>`,
    )
    .join("");
  // Like Stripe, a session for an existing customer shows that customer's email.
  const customer = typeof s.customer === "string" ? em.store.raw<Stripe.Customer>(s.customer) : undefined;
  const email = vals.email ?? s.customer_email ?? customer?.email ?? "";
  return page(
    "Checkout",
    `
<div class="grid">
  <div>
    ${s.cancel_url ? `<a href="${esc(s.cancel_url)}" id="cancel-link">← Back (cancel)</a>` : ""}
    <p class="muted" style="margin-top:16px">Pay Emulated Marketplace</p>
    <div class="total" id="total">${esc(formatAmount(s.amount_total ?? 0, cur))}</div>
    <div class="card">${lines}<div class="line" style="border:0;font-weight:600"><span>Total due</span><span>${esc(formatAmount(s.amount_total ?? 0, cur))}</span></div></div>
  </div>
  <div class="card">
    <h2>Pay with card</h2>
    <form method="post" action="/c/pay/${esc(s.id)}">
      <label for="email">Email</label><input type="email" id="email" name="email" required value="${esc(email)}" autocomplete="email">
      <label for="cardnumber">Card information</label><input type="text" id="cardnumber" name="card" inputmode="numeric" placeholder="4242 4242 4242 4242"${cardOptional(s) ? "" : " required"} value="${esc(vals.card ?? "")}" autocomplete="cc-number">
      <div class="row"><div><label for="exp">Expiry</label><input type="text" id="exp" name="exp" placeholder="MM / YY" value="${esc(vals.exp ?? "12 / 34")}"></div>
      <div><label for="cvc">CVC</label><input type="text" id="cvc" name="cvc" placeholder="123" value="${esc(vals.cvc ?? "123")}"></div></div>
      <label for="name">Cardholder name</label><input type="text" id="name" name="name" value="${esc(vals.name ?? "")}" autocomplete="cc-name">
      ${cardOptional(s) ? `<p class="muted" id="card-optional">No card needed to start the free trial; leave the card number empty.</p>` : ""}
      ${err ? `<div class="error" role="alert" id="error">${esc(err)}</div>` : ""}
      <button type="submit" id="pay">Pay ${esc(formatAmount(s.amount_total ?? 0, cur))}</button>
    </form>
    <div class="cards">Test cards: <code>4242 4242 4242 4242</code> succeeds · <code>4000 0000 0000 0002</code> declined ·
    <code>4000 0000 0000 9995</code> insufficient funds · <code>4000 0025 0000 3155</code> authentication · <code>4000 0000 0000 0259</code> dispute</div>
  </div>
</div>`,
  );
}

export async function handlePage(
  em: Emu,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? "GET";
  const path = url.pathname;
  let m: RegExpExecArray | null;
  if (path === "/" || path === "") {
    return html(
      res,
      200,
      page(
        "Stripe emulator",
        `<div class="card"><h1>Stripe emulator</h1><p>Point stripe-node at <code>${esc(em.url)}</code>. See <code>/_emulator/deliveries</code> for webhook deliveries.</p></div>`,
      ),
    );
  }
  if (await handlePortalPage(em, req, res, url)) return;
  if (await handleInvoicePage(em, req, res, url)) return;
  // ---- Checkout
  if ((m = /^\/c\/pay\/([^/]+)(\/3ds)?$/.exec(path))) {
    sweepExpired(em);
    const s = em.store.raw<Session>(m[1]);
    if (!s || s.object !== "checkout.session")
      return html(
        res,
        404,
        page(
          "Not found",
          `<div class="card"><h1>Something went wrong</h1><p>The page you were looking for could not be found.</p></div>`,
        ),
      );
    if (s.status === "complete") {
      return html(
        res,
        200,
        page(
          "Paid",
          `<div class="card"><h1>Payment complete</h1><p class="ok">This Checkout Session has already been paid.</p><a class="btn" href="${esc(successUrl(s))}">Continue</a></div>`,
        ),
      );
    }
    if (s.status === "expired") {
      return html(
        res,
        410,
        page(
          "Expired",
          `<div class="card"><h1>This session has expired</h1><p class="muted">Return to the merchant and try again.</p>${s.cancel_url ? `<a class="btn secondary" href="${esc(s.cancel_url)}">Back to merchant</a>` : ""}</div>`,
        ),
      );
    }
    const pending = em.store.data.pendingAuth[s.id];
    if (m[2]) {
      if (!pending) return redirect(res, `/c/pay/${s.id}`);
      if (method === "POST") {
        const f = await form(req);
        const r = paySession(em, s.id, pending.card, {
          email: pending.email,
          name: pending.name,
          authenticated: f.action === "approve" ? true : "failed",
        });
        if (r.status === "succeeded") return redirect(res, successUrl(s));
        return html(res, 402, checkoutPage(em, s, r.error?.message, { email: pending.email }));
      }
      return html(
        res,
        200,
        page(
          "Authenticate",
          `<div class="card" style="max-width:440px;margin:40px auto"><h1>3D Secure test page</h1>
        <p class="muted">This is a test authentication for a payment of <b>${esc(formatAmount(s.amount_total ?? 0, s.currency ?? "usd"))}</b>. Complete or fail it.</p>
        <form method="post"><button name="action" value="approve" id="approve">Complete authentication</button>
        <button name="action" value="fail" class="danger" id="fail">Fail authentication</button></form></div>`,
        ),
      );
    }
    if (method === "POST") {
      const f = await form(req);
      try {
        const r = paySession(em, s.id, f.card ?? "", { email: f.email, name: f.name });
        if (r.status === "succeeded") return redirect(res, successUrl(s));
        if (r.status === "requires_action") return redirect(res, `/c/pay/${s.id}/3ds`);
        return html(res, 402, checkoutPage(em, s, r.error?.message, f));
      } catch (e) {
        if (e instanceof ApiError) return html(res, 400, checkoutPage(em, s, e.body.message, f));
        throw e;
      }
    }
    return html(res, 200, checkoutPage(em, s));
  }
  // ---- Express onboarding
  if ((m = /^\/setup\/e\/([^/]+)\/([^/]+)$/.exec(path))) {
    const link = em.store.data.accountLinks[m[2]];
    if (!link || link.account !== m[1])
      return html(res, 404, page("Invalid link", `<div class="card"><h1>This link is invalid</h1></div>`));
    const acct = em.store.raw<Stripe.Account>(link.account);
    const expired = now() > link.expires_at;
    if (method === "GET") {
      if (expired || link.visited || link.used || !acct) return redirect(res, link.refresh_url);
      link.visited = true;
      em.store.scheduleSave();
      return html(
        res,
        200,
        page(
          "Onboarding",
          `<div class="card" style="max-width:520px;margin:0 auto">
        <p class="muted">Emulated Marketplace partners with Stripe for secure payments and payouts.</p>
        <h1>Set up your payouts account</h1><p class="muted">Account <code>${esc(acct.id)}</code> · ${esc(acct.email ?? "")}</p>
        <form method="post">
          <label for="first_name">First name</label><input type="text" id="first_name" name="first_name" value="Jenny">
          <label for="last_name">Last name</label><input type="text" id="last_name" name="last_name" value="Rosen">
          <label for="dob">Date of birth</label><input type="text" id="dob" name="dob" value="01/01/1990">
          <label for="routing">Bank routing number</label><input type="text" id="routing" name="routing" value="110000000">
          <label for="acctno">Bank account number</label><input type="text" id="acctno" name="account_number" value="000123456789">
          <button name="action" value="complete" id="complete">Agree and submit</button>
          <button name="action" value="incomplete" class="secondary" id="skip">Skip for now (leave requirements due)</button>
          <button name="action" value="leave" class="secondary" id="leave">Return to platform without saving</button>
        </form></div>`,
        ),
      );
    }
    if (method === "POST") {
      if (expired || link.used || !acct) return redirect(res, link.refresh_url);
      const f = await form(req);
      link.used = true;
      if (f.action === "complete") setOnboarding(em, acct.id, "complete");
      else if (f.action === "incomplete") setOnboarding(em, acct.id, "incomplete");
      em.store.scheduleSave();
      return redirect(res, link.return_url);
    }
  }
  // ---- Express dashboard
  if ((m = /^\/express\/([^/]+)\/([^/]+)$/.exec(path)) && method === "GET") {
    const ll = em.store.data.loginLinks[m[2]];
    const acct = ll && ll.account === m[1] ? em.store.raw<Stripe.Account>(m[1]) : undefined;
    if (!acct)
      return html(res, 404, page("Invalid link", `<div class="card"><h1>This login link is invalid</h1></div>`));
    const bal = balanceOf(em, acct.id);
    const transfers = em.store.all<Stripe.Transfer>("transfer", PLATFORM, (t) => t.destination === acct.id);
    const bts = em.store.all<Stripe.BalanceTransaction>("balance_transaction", acct.id, (b) => b.type !== "payment");
    const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
    return html(
      res,
      200,
      page(
        "Express dashboard",
        `
      <h1>Express dashboard</h1><p class="muted">${esc(acct.email ?? acct.id)} · <span class="pill">${acct.payouts_enabled ? "Payouts enabled" : "Payouts paused"}</span></p>
      <div class="grid"><div class="card"><h2>Balance</h2>${bal.available.map((a) => `<div class="total" id="balance">${esc(formatAmount(a.amount, a.currency))}</div>`).join("")}
      <p class="muted">Pending: ${bal.pending.map((p) => esc(formatAmount(p.amount, p.currency))).join(", ")}</p></div>
      <div class="card"><h2>Transfers received</h2><table id="transfers"><tr><th>Date</th><th>Amount</th><th>Reversed</th></tr>
      ${transfers.map((t) => row([esc(new Date(t.created * 1000).toISOString().slice(0, 10)), esc(formatAmount(t.amount, t.currency)), esc(formatAmount(t.amount_reversed, t.currency))])).join("") || row(["—", "", ""])}</table></div></div>
      <div class="card" style="margin-top:24px"><h2>Refunds, reversals and other activity</h2><table id="activity"><tr><th>Type</th><th>Amount</th><th>Net</th></tr>
      ${bts.map((b) => row([esc(b.type.replace(/_/g, " ")), esc(formatAmount(b.amount, b.currency)), esc(formatAmount(b.net, b.currency))])).join("") || row(["No activity yet", "", ""])}</table></div>`,
      ),
    );
  }
  if ((m = /^\/receipts\/([^/]+)$/.exec(path))) {
    const ch = em.store.raw<Stripe.Charge>(m[1]);
    if (!ch) return html(res, 404, page("Receipt", `<div class="card"><h1>Receipt not found</h1></div>`));
    return html(
      res,
      200,
      page(
        "Receipt",
        `<div class="card"><h1>Receipt</h1><p>${esc(formatAmount(ch.amount, ch.currency))} · ${esc(ch.status)}</p></div>`,
      ),
    );
  }
  html(res, 404, page("Not found", `<div class="card"><h1>Not found</h1></div>`));
}
