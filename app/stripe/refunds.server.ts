// Stripe calls for money going back: refunds, transfer reversals, balances.
import type Stripe from "stripe";
import { retryRateLimited, stripe } from "./client.server.ts";

const REASONS = new Set(["duplicate", "fraudulent", "requested_by_customer"]);

export function createRefund(input: {
  chargeId: string;
  amount: number;
  reason: string;
  reverseTransfer: boolean;
  refundApplicationFee: boolean;
  metadata: Record<string, string>;
  idempotencyKey: string;
}) {
  return retryRateLimited(() =>
    stripe().refunds.create(
      {
        charge: input.chargeId,
        amount: input.amount,
        reason: (REASONS.has(input.reason)
          ? input.reason
          : "requested_by_customer") as Stripe.RefundCreateParams.Reason,
        reverse_transfer: input.reverseTransfer,
        refund_application_fee: input.refundApplicationFee,
        metadata: input.metadata,
      },
      { idempotencyKey: input.idempotencyKey },
    ),
  ).then((refund) => ({
    id: refund.id,
    transferReversalId:
      typeof refund.transfer_reversal === "string" ? refund.transfer_reversal : (refund.transfer_reversal?.id ?? null),
  }));
}

export function reverseTransfer(input: {
  transferId: string;
  amount: number;
  metadata: Record<string, string>;
  idempotencyKey: string;
}) {
  return retryRateLimited(() =>
    stripe().transfers.createReversal(
      input.transferId,
      { amount: input.amount, metadata: input.metadata },
      { idempotencyKey: input.idempotencyKey },
    ),
  );
}

/**
 * Pays a connected account back what a failed refund's transfer reversal took (Stripe returns a failed refund to the
 * platform and leaves the reversal in place). Funded by the original charge. Returns the transfer's id.
 */
export async function payBackCreator(input: {
  destination: string;
  amount: number;
  currency: string;
  sourceChargeId: string | null;
  metadata: Record<string, string>;
  idempotencyKey: string;
}): Promise<string> {
  const transfer = await retryRateLimited(() =>
    stripe().transfers.create(
      {
        destination: input.destination,
        amount: input.amount,
        currency: input.currency,
        ...(input.sourceChargeId ? { source_transaction: input.sourceChargeId } : {}),
        description: "Refund failed: the reversed amount paid back",
        metadata: input.metadata,
      },
      { idempotencyKey: input.idempotencyKey },
    ),
  );
  return transfer.id;
}

/**
 * What a sale's destination charge has left with its connected account on Stripe: the sale's transfer net of its
 * reversals, the application fee and how much of it was refunded, and each pay-back transfer with what is still
 * reversible on it.
 */
export async function creatorShareOnStripe(input: { chargeId: string; payBackTransferIds: string[] }) {
  const charge = await stripe().charges.retrieve(input.chargeId, { expand: ["transfer", "application_fee"] });
  const transfer = typeof charge.transfer === "object" ? charge.transfer : null;
  const fee = typeof charge.application_fee === "object" ? charge.application_fee : null;
  const payBacks = [];
  for (const id of input.payBackTransferIds) {
    const payBack = await stripe().transfers.retrieve(id);
    payBacks.push({ id, reversible: payBack.amount - payBack.amount_reversed });
  }
  return {
    transferred: transfer ? transfer.amount - transfer.amount_reversed : 0,
    applicationFee: fee?.amount ?? 0,
    applicationFeeRefunded: fee?.amount_refunded ?? 0,
    payBacks,
  };
}

/** What the app reads from a Stripe refund. */
export interface RefundInfo {
  id: string;
  /** pending, requires_action, succeeded, failed, canceled */
  status: string | null;
  amount: number;
  currency: string;
  reason: string | null;
  failureReason: string | null;
  chargeId: string | null;
  /** Our refund row's id, for refunds this app made. */
  refundId: string | null;
}

export function refundFrom(refund: Stripe.Refund): RefundInfo {
  return {
    id: refund.id,
    status: refund.status ?? null,
    amount: refund.amount,
    currency: refund.currency,
    reason: refund.reason ?? null,
    failureReason: refund.failure_reason ?? null,
    chargeId: typeof refund.charge === "string" ? refund.charge : (refund.charge?.id ?? null),
    refundId: refund.metadata?.refund_id || null,
  };
}

/** A charge's refunds, as Stripe lists them (the charge's refunds are not embedded in current API versions). */
export async function* chargeRefunds(chargeId: string): AsyncGenerator<RefundInfo> {
  for await (const refund of stripe().refunds.list({ charge: chargeId, limit: 100 })) yield refundFrom(refund);
}

/** A refund as it is now, with the amount of the transfer reversal it created (0 for none). */
export async function retrieveRefundWithReversal(refundId: string): Promise<RefundInfo & { transferReversal: number }> {
  const refund = await stripe().refunds.retrieve(refundId, { expand: ["transfer_reversal"] });
  const reversal = refund.transfer_reversal;
  if (typeof reversal === "string") throw new Error("Stripe returned the refund without transfer_reversal expanded");
  return { ...refundFrom(refund), transferReversal: reversal?.amount ?? 0 };
}

/** What a refund made outside this app did to the money around it (see `externalRefundEffects`). */
export interface ExternalRefundEffects {
  /** The transfer reversal it created (0 for none). */
  transferReversal: number;
  /** What Stripe has refunded of the charge's application fee so far, by every refund. */
  applicationFeeRefundedTotal: number;
  /** The refunds Stripe has on the charge, each with our refund row's id for the ones this app made. */
  refundsOnStripe: { id: string; refundId: string | null }[];
}

/**
 * What a refund made outside this app (for example in Stripe's dashboard) did to the money around it: the transfer
 * reversal it created, the application fee refunded on the charge so far (Stripe does not tie a fee refund to the
 * refund that caused it, so the charge's running total is the truth), and the refunds that total comes from. The
 * refunds are listed before and after the fee is read, again until both lists agree, so that a refund made meanwhile
 * is in both or in neither.
 */
export async function externalRefundEffects(input: {
  refund: { transferReversal: number };
  chargeId: string;
}): Promise<ExternalRefundEffects> {
  const listRefunds = async () => {
    const refunds = [];
    for await (const refund of chargeRefunds(input.chargeId))
      refunds.push({ id: refund.id, refundId: refund.refundId });
    return refunds;
  };
  let refundsOnStripe = await listRefunds();
  // Refunds made faster than this reads (more than a few times over) are settled by whichever read came last.
  for (let reads = 1; ; reads++) {
    const charge = await stripe().charges.retrieve(input.chargeId);
    const feeId = typeof charge.application_fee === "string" ? charge.application_fee : charge.application_fee?.id;
    const applicationFeeRefundedTotal = feeId ? (await stripe().applicationFees.retrieve(feeId)).amount_refunded : 0;
    const after = await listRefunds();
    if (after.length === refundsOnStripe.length || reads === 5)
      return { transferReversal: input.refund.transferReversal, applicationFeeRefundedTotal, refundsOnStripe: after };
    refundsOnStripe = after;
  }
}
