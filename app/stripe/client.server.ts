// The one place that builds the Stripe client. With STRIPE_API_BASE set (the local emulator), stripe-node talks to
// that host; otherwise to Stripe itself. The API version is the one stripe-node pins.
import { AsyncLocalStorage } from "node:async_hooks";
import Stripe from "stripe";
import { env } from "#app/utils/env.server.ts";

export { Stripe };

const clients = new Map<string, Stripe>();
/** The connected account whose objects the current work reads (an event from that account), if any. */
const accountScope = new AsyncLocalStorage<string>();

/**
 * Runs `work` with every Stripe call made as `account` (the Stripe-Account header): an event a connected account
 * sent is about that account's objects, which the platform alone cannot read.
 */
export function withStripeAccount<T>(account: string, work: () => Promise<T>): Promise<T> {
  return accountScope.run(account, work);
}

export function stripe(): Stripe {
  const { STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_TIMEOUT_MS } = env();
  const account = accountScope.getStore();
  const key = `${STRIPE_SECRET_KEY}|${STRIPE_API_BASE ?? ""}|${STRIPE_TIMEOUT_MS}|${account ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    if (clients.size > 100) clients.clear(); // keys or accounts changed many times (tests): start over
    const base = STRIPE_API_BASE ? new URL(STRIPE_API_BASE) : null;
    client = new Stripe(STRIPE_SECRET_KEY, {
      ...(account ? { stripeAccount: account } : {}),
      // Network errors, 409s, 429s and 5xx are retried by stripe-node with the same Idempotency-Key.
      maxNetworkRetries: 3,
      timeout: STRIPE_TIMEOUT_MS,
      appInfo: { name: "makers-market", version: "0.1.0" },
      ...(base
        ? {
            host: base.hostname,
            port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
            protocol: base.protocol.replace(":", "") as "http" | "https",
          }
        : {}),
    });
    clients.set(key, client);
  }
  return client;
}

/**
 * Runs an idempotent Stripe call (one with an Idempotency-Key), retrying rate limits (429) with back-off.
 * stripe-node already retries network errors, 409s and 5xx; it retries a 429 only when Stripe says so in a header.
 */
export async function retryRateLimited<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeRateLimitError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1) + Math.random() * 100));
    }
  }
}

/** A message a person can read for a Stripe failure, without internals. */
export function friendlyStripeError(error: unknown): string {
  if (error instanceof Stripe.errors.StripeCardError) return error.message;
  if (error instanceof Stripe.errors.StripeRateLimitError)
    return "Payments are busy right now. Please try again in a moment.";
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError)
    return "We couldn't reach our payment provider. Nothing was charged — please try again in a moment.";
  if (error instanceof Stripe.errors.StripeInvalidRequestError)
    return "The payment provider refused this request. Please contact support if it keeps happening.";
  return "Something went wrong with the payment provider. Nothing was charged — please try again.";
}

export function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

/** Whether Stripe answered 404 `resource_missing`: the object does not exist (any more) for this key and account. */
export function isMissingResource(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.statusCode === 404 &&
    error.code === "resource_missing"
  );
}

/**
 * Whether Stripe refused the request itself (invalid, or an idempotency key reused with another request): sending it
 * again gets the same refusal. Network errors, 429s and 5xx are not refusals.
 */
export function isRefusedRequest(error: unknown): error is Stripe.errors.StripeError {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeIdempotencyError
  );
}
