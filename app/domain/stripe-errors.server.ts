// What people read when a call to Stripe failed, in one place for every route (routes never import the Stripe
// adapter). Each helper answers null for an error that is not Stripe's: the caller rethrows it.
import { friendlyStripeError, isStripeError } from "#app/stripe/client.server.ts";
import { studioErrorFor, type StudioErrorCode } from "./studio-errors.ts";

/** A message a buyer or staff member can read for a failed Stripe call (nothing internal); null for other errors. */
export function paymentErrorMessage(error: unknown): string | null {
  return isStripeError(error) ? friendlyStripeError(error) : null;
}

/** The creator studio's `?error=` code for a failed Stripe call; null for other errors. */
export function studioErrorCode(error: unknown): StudioErrorCode | null {
  return isStripeError(error) ? studioErrorFor(error) : null;
}
