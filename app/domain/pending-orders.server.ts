// Money events that arrive before their order (issue 14, defect 1). Stripe does not order its events: a refund or a
// dispute on a Checkout payment can reach us before checkout.session.completed has made the order. Such an event must
// not be marked processed with no effect; it fails with `not_recorded_yet` and the queue retries it until the order
// exists (fulfillment also re-reads the charge's refunds and disputes, so whichever runs first, nothing is lost).
import { checkoutAttemptOfCharge } from "#app/stripe/checkout.server.ts";
import { db } from "#app/utils/db.server.ts";
import { DomainError } from "./errors.ts";

/**
 * Called when a money event names a charge we have no order for. Returns when the charge is not from one of our
 * Checkout attempts (not ours: nothing to record); throws `not_recorded_yet` when it is, so the event is retried.
 */
export async function refuseUntilOrderRecorded(chargeId: string): Promise<void> {
  const attemptId = await checkoutAttemptOfCharge(chargeId);
  if (!attemptId) return;
  const attempt = await db().checkoutAttempt.findUnique({ where: { id: attemptId }, select: { id: true } });
  if (!attempt) return;
  throw new DomainError(
    "not_recorded_yet",
    `Charge ${chargeId} pays checkout attempt ${attemptId}, whose order is not recorded yet; retried later.`,
  );
}
