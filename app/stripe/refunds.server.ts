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
