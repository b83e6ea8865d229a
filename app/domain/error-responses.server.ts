// Where a refusal becomes what a route answers, in one place: a DomainError keeps its status and message, a failed
// Stripe call (when the route asks for it) gets a message people can read; anything else is rethrown.
import { data } from "@remix-run/node";
import { DomainError } from "./errors.ts";
import { paymentErrorMessage } from "./stripe-errors.server.ts";

export interface DomainErrorResponseOptions {
  /** Also answer a failed Stripe call, with this status (code "stripe"); without it a Stripe error is rethrown. */
  stripeStatus?: number;
  /** Refusals that become the error page (a thrown Response with the message) instead of the route's data. */
  page?: (error: DomainError) => boolean;
}

/**
 * For a route's `catch`: `body` shapes the route's data from the refusal, answered with the refusal's status.
 * Errors that are not refusals are rethrown.
 */
export function domainErrorResponse<T>(
  error: unknown,
  body: (refusal: DomainError) => T,
  options: DomainErrorResponseOptions = {},
) {
  const refusal = asRefusal(error, options.stripeStatus);
  if (!refusal) throw error;
  if (options.page?.(refusal)) domainErrorPage(refusal);
  return data(body(refusal), { status: refusal.status });
}

/** For loaders: a DomainError becomes the error page with its status and message; anything else is rethrown. */
export function domainErrorPage(error: unknown): never {
  if (error instanceof DomainError) throw new Response(error.message, { status: error.status });
  throw error;
}

function asRefusal(error: unknown, stripeStatus: number | undefined): DomainError | null {
  if (error instanceof DomainError) return error;
  if (stripeStatus === undefined) return null;
  const message = paymentErrorMessage(error);
  return message ? new DomainError("stripe", message, { status: stripeStatus }) : null;
}
