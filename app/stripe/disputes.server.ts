// Disputes (chargebacks) as the app reads them.
import type Stripe from "stripe";
import { stripe } from "./client.server.ts";

export interface DisputeInfo {
  id: string;
  chargeId: string;
  amount: number;
  currency: string;
  reason: string;
  /** Stripe's status: warning_needs_response, needs_response, under_review, won, lost, warning_closed, … */
  status: string;
  evidenceDueBy: Date | null;
  createdAt: Date;
}

export function disputeFrom(dispute: Stripe.Dispute): DisputeInfo {
  return {
    id: dispute.id,
    chargeId: typeof dispute.charge === "string" ? dispute.charge : dispute.charge.id,
    amount: dispute.amount,
    currency: dispute.currency,
    reason: dispute.reason,
    status: dispute.status,
    evidenceDueBy: dispute.evidence_details?.due_by ? new Date(dispute.evidence_details.due_by * 1000) : null,
    createdAt: new Date(dispute.created * 1000),
  };
}

/** Every dispute on a charge, as Stripe has it now. */
export async function* chargeDisputes(chargeId: string): AsyncGenerator<DisputeInfo> {
  for await (const dispute of stripe().disputes.list({ charge: chargeId, limit: 100 })) yield disputeFrom(dispute);
}
