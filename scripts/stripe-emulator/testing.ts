// Typed helpers for tests: call the emulator's /_emulator/ controls over HTTP.
import type Stripe from "stripe";

export interface DeliveryRecord {
  id: string;
  event: string;
  type: string;
  target: string;
  url: string;
  status: "pending" | "succeeded" | "failed" | "dropped";
  attempts: { at: number; status: number | null; error?: string }[];
  next_attempt_at: number | null;
  duplicate_of?: string;
}
export interface PayResult {
  /** `processing`: a US bank account debit, settled later by `settleDelayedPayment`. */
  status: "succeeded" | "requires_action" | "failed" | "processing";
  session: Stripe.Checkout.Session;
  payment_intent: string | null;
  error?: { code: string; decline_code?: string; message: string };
}

/** Beyond loopback the controls need the emulator's secret key: the one the app was given, when it is an emulator key. */
function authorization(): Record<string, string> {
  const key = process.env.STRIPE_EMULATOR_SECRET_KEY ?? process.env.STRIPE_SECRET_KEY;
  return key && /^sk_test_/.test(key) ? { authorization: `Bearer ${key}` } : {};
}

async function call<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl.replace(/\/$/, "")}${path}`, {
    method,
    headers: { ...authorization(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok)
    throw new Error(`Stripe emulator control ${method} ${path} failed (${res.status}): ${json.error?.message ?? ""}`);
  return json;
}

/**
 * Pay an open Checkout Session without a browser. 3DS cards are approved unless `authenticate: "fail"`. With
 * `us_bank_account` (one of Stripe's test account numbers; the session must offer `us_bank_account`) the payment is a
 * delayed ACH debit: the session completes unpaid and the payment stays `processing` until `settleDelayedPayment`.
 */
export function payCheckoutSession(
  baseUrl: string,
  sessionId: string,
  opts: {
    card?: string;
    email?: string;
    name?: string;
    authenticate?: "approve" | "fail";
    us_bank_account?: { account_number: string; routing_number?: string };
  } = {},
): Promise<PayResult> {
  return call(baseUrl, "POST", `/_emulator/checkout/sessions/${encodeURIComponent(sessionId)}/pay`, {
    ...(opts.us_bank_account ? {} : { card: opts.card ?? "4242424242424242" }),
    ...opts,
  });
}
/**
 * Settle a processing (delayed) payment as its test account number says: succeeded (the money moves, the session is
 * paid, `checkout.session.async_payment_succeeded`) or failed (`checkout.session.async_payment_failed`).
 */
export function settleDelayedPayment(baseUrl: string, paymentIntentId: string): Promise<Stripe.PaymentIntent> {
  return call(baseUrl, "POST", `/_emulator/payment_intents/${encodeURIComponent(paymentIntentId)}/settle`, {});
}
/**
 * Fail a pending or succeeded refund, as a card network reporting it days later would: `refund.updated` (failed),
 * `refund.failed`, the amount back on the charge's account; a transfer reversal it made stays.
 */
export function failRefund(baseUrl: string, refundId: string, failureReason?: string): Promise<Stripe.Refund> {
  return call(baseUrl, "POST", `/_emulator/refunds/${encodeURIComponent(refundId)}/fail`, {
    ...(failureReason ? { failure_reason: failureReason } : {}),
  });
}
/**
 * Fail a payout as its bank reporting it days later would (even one already `paid`): `failure_code` (Stripe's codes;
 * could_not_process by default) and its message, the amount back on the balance, `payout.failed`.
 */
export function failPayout(baseUrl: string, payoutId: string, failureCode?: string): Promise<Stripe.Payout> {
  return call(baseUrl, "POST", `/_emulator/payouts/${encodeURIComponent(payoutId)}/fail`, {
    ...(failureCode ? { failure_code: failureCode } : {}),
  });
}
/** The payment method types Checkout offers when a session names none (as the Dashboard's settings would). */
export async function setPaymentMethods(baseUrl: string, enabled: string[]): Promise<string[]> {
  return (await call<{ enabled: string[] }>(baseUrl, "POST", "/_emulator/payment_methods", { enabled })).enabled;
}
/** Finish (or partially finish) Express onboarding; emits account.updated. */
export function completeOnboarding(
  baseUrl: string,
  accountId: string,
  mode: "complete" | "incomplete" = "complete",
): Promise<Stripe.Account> {
  return call(baseUrl, "POST", `/_emulator/accounts/${encodeURIComponent(accountId)}/onboard`, { mode });
}
export function openDispute(baseUrl: string, chargeId: string, reason = "fraudulent"): Promise<Stripe.Dispute> {
  return call(baseUrl, "POST", `/_emulator/charges/${encodeURIComponent(chargeId)}/dispute`, { reason });
}
export function closeDispute(baseUrl: string, disputeId: string, outcome: "won" | "lost"): Promise<Stripe.Dispute> {
  return call(baseUrl, "POST", `/_emulator/disputes/${encodeURIComponent(disputeId)}/close`, { outcome });
}
export async function listDeliveries(
  baseUrl: string,
  filter: { event?: string; type?: string } = {},
): Promise<DeliveryRecord[]> {
  const q = new URLSearchParams(filter as Record<string, string>).toString();
  return (await call<{ data: DeliveryRecord[] }>(baseUrl, "GET", `/_emulator/deliveries${q ? `?${q}` : ""}`)).data;
}
/** Send every scheduled retry now and wait until no delivery is queued or in flight. */
export async function flushWebhooks(baseUrl: string, timeoutMs = 10000): Promise<boolean> {
  return (await call<{ idle: boolean }>(baseUrl, "POST", "/_emulator/webhooks/flush", { timeout_ms: timeoutMs })).idle;
}
/** Wait until every delivery reached a final state (including scheduled retries). */
export async function waitForWebhooks(baseUrl: string, timeoutMs = 10000): Promise<boolean> {
  return (await call<{ idle: boolean }>(baseUrl, "POST", "/_emulator/webhooks/wait-idle", { timeout_ms: timeoutMs }))
    .idle;
}
export function setWebhookControls(
  baseUrl: string,
  c: { duplicate?: number; reorder?: number; drop?: number; delay_ms?: number },
): Promise<{ duplicate: number; reorder: number; drop: number; delayMs: number }> {
  return call(baseUrl, "POST", "/_emulator/webhooks/controls", c);
}
/** Point the zero-setup webhook target at `url`, or switch it off with null (events still go to /v1/events). */
export async function setWebhookUrl(baseUrl: string, url: string | null): Promise<string | null> {
  return (await call<{ url: string | null }>(baseUrl, "POST", "/_emulator/webhooks/url", { url })).url;
}
export function releaseHeldWebhooks(baseUrl: string): Promise<{ ok: true }> {
  return call(baseUrl, "POST", "/_emulator/webhooks/release", {});
}
export async function resendEvent(baseUrl: string, eventId: string, endpoint?: string): Promise<DeliveryRecord[]> {
  return (
    await call<{ data: DeliveryRecord[] }>(
      baseUrl,
      "POST",
      `/_emulator/events/${encodeURIComponent(eventId)}/resend`,
      endpoint ? { endpoint } : {},
    )
  ).data;
}
/** Make the next `count` API requests whose path starts with `path` answer `status` (500, 429…) or hang. */
export function injectFault(
  baseUrl: string,
  f: { path: string; method?: string; count?: number; status?: number | "hang" },
): Promise<unknown> {
  return call(baseUrl, "POST", "/_emulator/faults", f);
}
export function clearFaults(baseUrl: string): Promise<unknown> {
  return call(baseUrl, "DELETE", "/_emulator/faults");
}
export function resetEmulator(baseUrl: string): Promise<{ ok: true }> {
  return call(baseUrl, "POST", "/_emulator/reset", {});
}
/** Move the emulator's clock forward (account links and Checkout Sessions expire; expired sessions emit checkout.session.expired). */
export async function advanceClock(baseUrl: string, seconds: number): Promise<number> {
  return (await call<{ now: number }>(baseUrl, "POST", "/_emulator/clock", { advance_seconds: seconds })).now;
}
