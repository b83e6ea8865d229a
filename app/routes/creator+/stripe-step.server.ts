// The creator studio's Stripe steps (start onboarding, come back from it, open the Express dashboard) end the same way.
import { redirect } from "@remix-run/node";
import { studioErrorCode } from "#app/domain/stripe-errors.server.ts";
import { studioErrorUrl } from "#app/domain/studio-errors.ts";

/**
 * Runs a Stripe step and redirects (with `status`) to the address it returns. A Stripe failure goes back to the studio
 * with its error code instead; any other error is thrown.
 */
export async function redirectAfterStripeStep(step: () => Promise<string>, status = 302) {
  let to: string;
  try {
    to = await step();
  } catch (error) {
    const code = studioErrorCode(error);
    if (code) return redirect(studioErrorUrl(code), status);
    throw error;
  }
  return redirect(to, status);
}
