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
  return retryRateLimited(() => stripe().refunds.create(
    {
      charge: input.chargeId,
      amount: input.amount,
      reason: (REASONS.has(input.reason) ? input.reason : "requested_by_customer") as Stripe.RefundCreateParams.Reason,
      reverse_transfer: input.reverseTransfer,
      refund_application_fee: input.refundApplicationFee,
      metadata: input.metadata,
    },
    { idempotencyKey: input.idempotencyKey },
  ));
}

export function reverseTransfer(input: { transferId: string; amount: number; metadata: Record<string, string>; idempotencyKey: string }) {
  return retryRateLimited(() =>
    stripe().transfers.createReversal(
      input.transferId,
      { amount: input.amount, metadata: input.metadata },
      { idempotencyKey: input.idempotencyKey },
    ),
  );
}

/**
 * What a refund made outside this app (for example in Stripe's dashboard) did to the money around it: the transfer
 * reversal it created, and the application fee refunded on the charge so far (Stripe does not tie a fee refund to the
 * refund that caused it, so the charge's running total is the truth). Pass the refund with `transfer_reversal`
 * expanded.
 */
export async function externalRefundEffects(input: { refund: Stripe.Refund; chargeId: string }) {
  const reversal = input.refund.transfer_reversal;
  if (typeof reversal === "string") throw new Error("externalRefundEffects needs the refund with transfer_reversal expanded");
  const charge = await stripe().charges.retrieve(input.chargeId);
  const feeId = typeof charge.application_fee === "string" ? charge.application_fee : charge.application_fee?.id;
  const applicationFeeRefundedTotal = feeId ? (await stripe().applicationFees.retrieve(feeId)).amount_refunded : 0;
  return { transferReversal: reversal?.amount ?? 0, applicationFeeRefundedTotal };
}
