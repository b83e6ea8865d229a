// What a failed call to Stripe means, in one place: for the domain, whether an error is Stripe's at all and whether
// Stripe refused the request for good; for every route, what people read (routes never import the Stripe adapter).
// The message helpers answer null for an error that is not Stripe's: the caller rethrows it.
import { friendlyStripeError, isMissingResource, isRefusedRequest, isStripeError } from "#app/stripe/client.server.ts";
import { studioErrorFor, type StudioErrorCode } from "./studio-errors.ts";

/** Whether a call to Stripe failed (Stripe answered with an error or couldn't be reached); false for other errors. */
export function isStripeFailure(error: unknown): error is Error {
  return isStripeError(error);
}

/** Whether Stripe refused the request for good (invalid, or a reused idempotency key): a replay is refused the same way. */
export function isStripeRefusal(error: unknown): error is Error {
  return isRefusedRequest(error);
}

/** Whether Stripe confirmed the object asked for does not exist (404 `resource_missing`): it is gone or never ours. */
export function isStripeObjectGone(error: unknown): boolean {
  return isMissingResource(error);
}

/** A message a buyer or staff member can read for a failed Stripe call (nothing internal); null for other errors. */
export function paymentErrorMessage(error: unknown): string | null {
  return isStripeError(error) ? friendlyStripeError(error) : null;
}

/** The creator studio's `?error=` code for a failed Stripe call; null for other errors. */
export function studioErrorCode(error: unknown): StudioErrorCode | null {
  return isStripeError(error) ? studioErrorFor(error) : null;
}
