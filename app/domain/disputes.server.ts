// Disputes (chargebacks). Our state follows Stripe's dispute object whatever order its events arrive in:
// created → the order is DISPUTED and its access FROZEN; closed as won → access RESTORED; lost → access REVOKED and
// the loss counted. Staff may then recover a lost amount from the creator by reversing their transfer.
import type { Dispute, EntitlementStatus, Prisma } from "#app/generated/prisma/client.ts";
import type { DisputeInfo } from "#app/stripe/disputes.server.ts";
import { reverseTransfer } from "#app/stripe/refunds.server.ts";
import { db, lockOrder, transaction, type Tx } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { queueDisputeClosedEmails, queueDisputeOpenedEmails } from "./email/money-messages.server.ts";
import { transitionOrderEntitlements } from "./entitlements.server.ts";
import { DomainError } from "./errors.ts";
import { refuseUntilOrderRecorded } from "./pending-orders.server.ts";
import { rollupDisputeLost, rollupDisputeOpened } from "./revenue.server.ts";

const CLOSED_WON = new Set(["won", "warning_closed"]);
const CLOSED_LOST = new Set(["lost"]);

/**
 * A dispute event from Stripe, applied in its own transaction. Returns false when the charge is not one of our
 * orders; throws `not_recorded_yet` when it is one of our Checkout payments whose order is still to come.
 */
export async function syncStripeDispute(dispute: DisputeInfo, options: { actor: AuditActor; observedAt: Date }) {
  const applied = await transaction((tx) => applyStripeDispute(tx, dispute, options));
  if (!applied) await refuseUntilOrderRecorded(dispute.chargeId);
  return applied;
}

/** Applies what Stripe says about a dispute. Returns false when the charge is not one of our orders. */
export async function applyStripeDispute(
  tx: Tx,
  dispute: DisputeInfo,
  options: { actor: AuditActor; observedAt: Date },
) {
  const { chargeId } = dispute;
  const order = await tx.order.findUnique({ where: { stripeChargeId: chargeId } });
  if (!order) return false;
  await lockOrder(tx, order.id);

  let row = await tx.dispute.findUnique({ where: { stripeDisputeId: dispute.id } });
  if (!row) {
    row = await tx.dispute.create({
      data: {
        orderId: order.id,
        stripeDisputeId: dispute.id,
        stripeChargeId: chargeId,
        amount: dispute.amount,
        currency: dispute.currency,
        reason: dispute.reason,
        stripeStatus: dispute.status,
        evidenceDueBy: dispute.evidenceDueBy,
        createdAt: dispute.createdAt,
      },
    });
    await tx.order.update({ where: { id: order.id }, data: { status: "DISPUTED" } });
    await rollupDisputeOpened(tx, order, row);
    await recordDisputeEvent(tx, row, "opened", {
      access: "FROZEN",
      actor: options.actor,
      data: {
        stripeDisputeId: dispute.id,
        reason: dispute.reason,
        evidenceDueBy: row.evidenceDueBy?.toISOString() ?? null,
      },
    });
    await queueDisputeOpenedEmails(tx, row.id);
  }
  if (row.outcome !== "OPEN") return true; // closed already: older events change nothing

  const outcome = CLOSED_WON.has(dispute.status) ? "WON" : CLOSED_LOST.has(dispute.status) ? "LOST" : "OPEN";
  if (outcome === "OPEN") {
    await tx.dispute.update({
      where: { id: row.id },
      data: {
        stripeStatus: dispute.status,
        evidenceDueBy: dispute.evidenceDueBy ?? row.evidenceDueBy,
      },
    });
    return true;
  }
  const closedAt = options.observedAt;
  await tx.dispute.update({ where: { id: row.id }, data: { stripeStatus: dispute.status, outcome, closedAt } });
  const otherOpen = await tx.dispute.count({ where: { orderId: order.id, outcome: "OPEN", id: { not: row.id } } });
  if (outcome === "WON") {
    // Access comes back once no other dispute on the order is still open.
    if (!otherOpen)
      await tx.order.update({
        where: { id: order.id },
        data: { status: order.refundedAmount > 0 ? "PARTIALLY_REFUNDED" : "DISPUTE_WON" },
      });
    await recordDisputeEvent(tx, row, "won", { access: otherOpen ? null : "RESTORED", actor: options.actor });
  } else {
    await tx.order.update({ where: { id: order.id }, data: { status: "DISPUTE_LOST" } });
    await rollupDisputeLost(tx, order, { closedAt, amount: row.amount });
    await recordDisputeEvent(tx, row, "lost", { access: "REVOKED", actor: options.actor });
  }
  await queueDisputeClosedEmails(tx, row.id, { accessRestored: outcome === "WON" && !otherOpen });
  return true;
}

/**
 * What a dispute event does beyond the order row: the order's access moves to `access` (none when null) and the
 * event is audited. The entitlements' cause and the audit action are both `dispute.<event>`.
 */
async function recordDisputeEvent(
  tx: Tx,
  dispute: Dispute,
  event: "opened" | "won" | "lost",
  options: { access: EntitlementStatus | null; actor: AuditActor; data?: Prisma.InputJsonValue },
) {
  const cause = `dispute.${event}`;
  if (options.access)
    await transitionOrderEntitlements(tx, {
      orderId: dispute.orderId,
      to: options.access,
      cause,
      actor: options.actor,
    });
  await audit(tx, {
    actor: options.actor,
    action: cause,
    entityType: "dispute",
    entityId: dispute.id,
    orderId: dispute.orderId,
    amount: dispute.amount,
    currency: dispute.currency,
    data: options.data,
  });
}

/** How much of a lost dispute can still be taken back from the creator's transfer. */
export function recoverableAmount(
  dispute: { amount: number; recoveredAmount: number },
  order: { totalAmount: number; transferReversedAmount: number },
) {
  return Math.max(
    0,
    Math.min(dispute.amount - dispute.recoveredAmount, order.totalAmount - order.transferReversedAmount),
  );
}

/** Staff action: reverse the creator's transfer by the lost dispute's unrecovered amount (idempotent per dispute). */
export async function recoverDisputeLoss(input: { disputeId: string; actor: AuditActor }) {
  const dispute = await db().dispute.findUnique({ where: { id: input.disputeId }, include: { order: true } });
  if (!dispute) throw new DomainError("not_found", "That dispute doesn't exist.");
  if (dispute.outcome !== "LOST") throw new DomainError("not_lost", "Only a lost dispute's amount can be recovered.");
  if (!dispute.order.stripeTransferId) throw new DomainError("no_transfer", "This order has no transfer to reverse.");
  const amount = recoverableAmount(dispute, dispute.order);
  if (amount <= 0) throw new DomainError("already_recovered", "This dispute's amount has already been recovered.");
  const reversal = await reverseTransfer({
    transferId: dispute.order.stripeTransferId,
    amount,
    metadata: { dispute_id: dispute.id, order_id: dispute.orderId },
    idempotencyKey: `dispute-recovery-${dispute.id}-${dispute.recoveredAmount}`,
  });
  return transaction(async (tx) => {
    await lockOrder(tx, dispute.orderId);
    const current = await tx.dispute.findUniqueOrThrow({ where: { id: dispute.id } });
    if (current.stripeRecoveryReversalId === reversal.id) return current; // recorded by a concurrent click
    const updated = await tx.dispute.update({
      where: { id: dispute.id },
      data: {
        recoveredAmount: { increment: reversal.amount },
        recoveredById: input.actor.id ?? null,
        stripeRecoveryReversalId: reversal.id,
      },
    });
    await tx.order.update({
      where: { id: dispute.orderId },
      data: { transferReversedAmount: { increment: reversal.amount } },
    });
    await audit(tx, {
      actor: input.actor,
      action: "dispute.loss_recovered",
      entityType: "dispute",
      entityId: dispute.id,
      orderId: dispute.orderId,
      amount: reversal.amount,
      currency: dispute.currency,
      data: { transferReversalId: reversal.id },
    });
    return updated;
  });
}
