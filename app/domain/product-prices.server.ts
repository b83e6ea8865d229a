// A membership's Stripe product and recurring prices, set up after a save is committed. Stripe being unreachable never
// loses the saved product: checkout runs the same step again.
import type { ProductKind } from "#app/generated/prisma/client.ts";
import { ensureMembershipStripePrices } from "./memberships.server.ts";
import { isStripeFailure } from "./stripe-errors.server.ts";

/** What happened in Stripe after a save: a membership's prices are `ready`, or Stripe was `unreachable` (retried at checkout). */
export type StripeSetup = "ready" | "unreachable" | null;

export const STRIPE_UNREACHABLE =
  "Saved. We couldn't reach Stripe to set up the prices; we'll retry when someone subscribes.";

/**
 * After a membership's rows are committed: its Stripe product and prices, and archiving replaced prices in Stripe. A
 * Stripe failure keeps the saved product (checkout runs the same step again); anything else is a real error.
 */
export async function setUpStripePrices(product: { id: string; kind: ProductKind }): Promise<StripeSetup> {
  if (product.kind !== "MEMBERSHIP") return null;
  try {
    await ensureMembershipStripePrices(product.id);
    return "ready";
  } catch (error) {
    if (isStripeFailure(error)) return "unreachable";
    throw error;
  }
}
