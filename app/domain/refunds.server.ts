// Refunds, correct to the cent. The split of a refund (who gives back what) is the pure `refundSplit` in
// ./refund-split.ts, which also explains the money flow of a destination charge.
import type { Order, OrderStatus, Prisma, Refund } from "#app/generated/prisma/client.ts";
import { Stripe } from "#app/stripe/client.server.ts";
import { retrieveConnectedBalance } from "#app/stripe/connect.server.ts";
import {
  createRefund,
  creatorShareOnStripe,
  payBackCreator,
  reverseTransfer,
  type ExternalRefundEffects,
} from "#app/stripe/refunds.server.ts";
import { db, isUniqueViolation, lockOrder, transaction, type Tx } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { restoreRefundedAccess, transitionOrderEntitlements } from "./entitlements.server.ts";
import { queueRefundSucceededEmails } from "./email/money-messages.server.ts";
import { DomainError } from "./errors.ts";
import { formatMoney } from "./money.ts";
import { isRefundReason, REFUND_REASONS, type RefundReason } from "./refund-reasons.ts";
import { refundSplit } from "./refund-split.ts";
import { rollupRefund } from "./revenue.server.ts";
import { raiseStaffAlert } from "./staff-alerts.server.ts";

export { REFUND_REASONS, type RefundReason };

/** When the creator's balance can't cover the reversal: reverse anyway (their balance goes negative, Stripe debits
 * them later) or the platform absorbs it (no reversal). */
export type BalancePolicy = "reverse_anyway" | "platform_absorbs";

export interface RefundRequestInput {
  orderId: string;
  amount: number;
  reason: RefundReason;
  /** Staff's own words, kept in `Refund.staffNote`: staff-only, never shown to the buyer or the creator. */
  note?: string;
  reverseTransfer: boolean;
  refundApplicationFee: boolean;
  balancePolicy?: BalancePolicy;
  /** The order's refunded total the person saw; a different value means someone else refunded meanwhile. */
  expectedRefunded?: number;
  /** One per submitted form: a double submit makes one refund. */
  requestKey: string;
  actor: AuditActor;
}

/** The preview staff see before confirming: the split, the Stripe fee the platform doesn't get back, and the
 * creator's live balance in the order's currency. */
export async function previewRefund(
  input: Pick<RefundRequestInput, "orderId" | "amount" | "reverseTransfer" | "refundApplicationFee">,
) {
  const order = await db().order.findUnique({
    where: { id: input.orderId },
    include: { creator: { select: { stripeAccountId: true, displayName: true } } },
  });
  if (!order) throw new DomainError("not_found", "That order doesn't exist.");
  const split = refundSplit(order, input.amount, input);
  let creatorBalance: number | null = null;
  let balanceError: string | null = null;
  if (order.creator.stripeAccountId) {
    try {
      creatorBalance = await creatorBalanceIn(order.creator.stripeAccountId, order.currency);
    } catch {
      balanceError = "Couldn't read the creator's balance from Stripe right now.";
    }
  }
  const fullyRefunded = order.refundedAmount + input.amount >= order.totalAmount;
  return {
    order,
    split,
    remainder: order.totalAmount - order.refundedAmount,
    stripeFeeNotReturned: order.stripeFeeAmount ?? 0,
    creatorBalance,
    balanceError,
    balanceCovers: creatorBalance === null ? null : creatorBalance >= split.creatorGivesBack,
    revokesAccess: fullyRefunded,
  };
}

/** Why staff can't refund this order at all (disputed, or nothing left to refund), in words for them; null when
 * they can. `refundOrder` refuses the same cases. */
export function refundBlocked(order: {
  status: OrderStatus;
  totalAmount: number;
  refundedAmount: number;
}): string | null {
  if (order.status === "DISPUTED" || order.status === "DISPUTE_LOST")
    return "This payment is disputed: the card network decides the money now, so it can't be refunded.";
  if (order.totalAmount - order.refundedAmount === 0) return "This order is already fully refunded.";
  return null;
}

async function creatorBalanceIn(accountId: string, currency: string) {
  const balance = await retrieveConnectedBalance(accountId);
  return [...balance.available, ...balance.pending]
    .filter((b) => b.currency === currency)
    .reduce((s, b) => s + b.amount, 0);
}

/**
 * Refunds part or all of an order. The refund is recorded PENDING (and the amount reserved on the order) under the
 * order's row lock before Stripe is called, so concurrent requests can't refund more than was paid; Stripe is called
 * with the refund's id as idempotency key; webhooks settle it (`settleRefund`).
 */
export async function refundOrder(input: RefundRequestInput): Promise<Refund> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw new DomainError("amount_invalid", "Enter an amount greater than zero.");

  const existing = await db().refund.findUnique({ where: { requestKey: input.requestKey } });
  // The same form again: its refund, sent to Stripe now if the first try never got there (the process died).
  if (existing)
    return existing.status === "PENDING" && !existing.stripeRefundId ? submitRefundToStripe(existing.id) : existing;

  const preCheck = await db().order.findUnique({ where: { id: input.orderId }, include: { creator: true } });
  if (!preCheck) throw new DomainError("not_found", "That order doesn't exist.");

  let reverseTransfer = input.reverseTransfer;
  if (reverseTransfer && preCheck.creator.stripeAccountId) {
    const split = refundSplit(preCheck, input.amount, input);
    if (split.creatorGivesBack > 0) {
      const balance = await creatorBalanceIn(preCheck.creator.stripeAccountId, preCheck.currency);
      if (balance < split.creatorGivesBack) {
        if (!input.balancePolicy)
          throw new DomainError(
            "balance_short",
            "The creator's balance can't cover the transfer reversal. Choose whether to reverse anyway (their balance goes negative) or have the platform absorb it.",
          );
        if (input.balancePolicy === "platform_absorbs") reverseTransfer = false;
      }
    }
  }

  let refund: Refund;
  try {
    refund = await transaction(async (tx) => {
      await lockOrder(tx, input.orderId);
      // The same form submitted again while the first was in flight: the first one's refund is the answer.
      const duplicate = await tx.refund.findUnique({ where: { requestKey: input.requestKey } });
      if (duplicate) return duplicate;
      const order = await tx.order.findUniqueOrThrow({ where: { id: input.orderId } });
      if (!order.stripeChargeId) throw new DomainError("not_paid", "This order has no Stripe charge to refund.");
      if (order.status === "DISPUTED" || order.status === "DISPUTE_LOST")
        throw new DomainError(
          "disputed",
          "This payment is disputed: the card network decides the money now, so it can't be refunded.",
        );
      if (input.expectedRefunded !== undefined && order.refundedAmount !== input.expectedRefunded)
        throw new DomainError(
          "stale",
          "This order was refunded by someone else while you were looking at it. Review the new amounts and try again.",
        );
      const remainder = order.totalAmount - order.refundedAmount;
      if (input.amount > remainder)
        throw new DomainError(
          "amount_above_remainder",
          remainder === 0
            ? "This order is already fully refunded."
            : `Only ${remainder} (minor units) remain refundable.`,
        );
      const split = refundSplit(order, input.amount, {
        reverseTransfer,
        refundApplicationFee: input.refundApplicationFee,
      });
      const created = await tx.refund.create({
        data: {
          orderId: order.id,
          amount: input.amount,
          currency: order.currency,
          reason: input.reason,
          staffNote: input.note?.trim() || null,
          reverseTransfer,
          refundApplicationFee: input.refundApplicationFee,
          transferReversalAmount: split.transferReversal,
          applicationFeeRefundAmount: split.applicationFeeRefund,
          requestKey: input.requestKey,
          requestedById: input.actor.id ?? null,
        },
      });
      await bookRefund(tx, order, created, 1);
      await auditRefund(tx, created, input.actor, "refund.created", {
        reason: created.reason,
        note: created.staffNote,
        transferReversal: split.transferReversal,
        applicationFeeRefund: split.applicationFeeRefund,
        balancePolicy: input.balancePolicy ?? null,
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return db().refund.findUniqueOrThrow({ where: { requestKey: input.requestKey } });
    throw error;
  }
  return submitRefundToStripe(refund.id);
}

/**
 * Sends a recorded refund to Stripe (again, if an earlier try never got an answer: same idempotency key, same refund).
 * A refusal from Stripe fails the refund and releases the reserved amount.
 */
export async function submitRefundToStripe(refundId: string): Promise<Refund> {
  const refund = await db().refund.findUniqueOrThrow({ where: { id: refundId }, include: { order: true } });
  if (refund.stripeRefundId || refund.status !== "PENDING") return refund;
  try {
    const stripeRefund = await createRefund({
      chargeId: refund.order.stripeChargeId!,
      amount: refund.amount,
      reason: refund.reason,
      reverseTransfer: refund.reverseTransfer,
      refundApplicationFee: refund.refundApplicationFee,
      metadata: { refund_id: refund.id, order_id: refund.orderId },
      idempotencyKey: `refund-${refund.id}`,
    });
    if (refund.reverseTransfer) await reverseFromPayBacks(refund.orderId, refund.id);
    return await db().refund.update({
      where: { id: refund.id },
      data: { stripeRefundId: stripeRefund.id, stripeTransferReversalId: stripeRefund.transferReversalId },
    });
  } catch (error) {
    if (
      error instanceof Stripe.errors.StripeInvalidRequestError ||
      error instanceof Stripe.errors.StripeIdempotencyError
    ) {
      await settleRefund({
        refundId: refund.id,
        status: "FAILED",
        failureReason: error.message,
        actor: { type: "STRIPE" },
      });
      throw new DomainError("stripe", `Stripe refused the refund: ${error.message}`);
    }
    // Network trouble: the refund stays PENDING without a Stripe id; "Retry" sends the same idempotency key.
    throw error;
  }
}

/**
 * Stripe reverses at most what is left of a sale's transfer (and refunds at most what is left of its fee), and a
 * refund that failed after its reversal still counts against both, though the creator was paid back by a transfer of
 * its own. So once an order has such a pay-back, each later refund compares what the creator holds for the sale on
 * Stripe with what our books say they should, and reverses the excess from the pay-back transfers.
 */
async function reverseFromPayBacks(orderId: string, refundId: string) {
  const order = await db().order.findUniqueOrThrow({ where: { id: orderId }, include: { refunds: true } });
  const payBackTransferIds = order.refunds.flatMap((r) => (r.restoreTransferId ? [r.restoreTransferId] : []));
  if (!payBackTransferIds.length || !order.stripeChargeId) return;
  const onStripe = await creatorShareOnStripe({ chargeId: order.stripeChargeId, payBackTransferIds });
  const held =
    onStripe.transferred -
    onStripe.applicationFee +
    onStripe.applicationFeeRefunded +
    onStripe.payBacks.reduce((sum, payBack) => sum + payBack.reversible, 0);
  let excess = held - (order.creatorAmount - order.transferReversedAmount + order.applicationFeeRefunded);
  for (const payBack of onStripe.payBacks) {
    const amount = Math.min(excess, payBack.reversible);
    if (amount <= 0) continue;
    await reverseTransfer({
      transferId: payBack.id,
      amount,
      metadata: { refund_id: refundId, order_id: orderId },
      idempotencyKey: `refund-${refundId}-pay-back-${payBack.id}`,
    });
    excess -= amount;
  }
}

/**
 * Brings a refund to its final state from Stripe's word (webhook or API answer). Idempotent: a refund already in a
 * final state is left alone. A failed or canceled refund gives the reserved amount back to the order and the rollup;
 * a successful refund that completes a full refund revokes access.
 */
export async function settleRefund(input: {
  refundId: string;
  status: "SUCCEEDED" | "FAILED" | "CANCELED";
  failureReason?: string | null;
  stripeRefundId?: string;
  actor: AuditActor;
}) {
  await transaction(async (tx) => {
    const refund = await tx.refund.findUnique({ where: { id: input.refundId } });
    if (!refund) return;
    await lockOrder(tx, refund.orderId);
    const current = await tx.refund.findUniqueOrThrow({ where: { id: refund.id } });
    if (current.status !== "PENDING") return;
    await tx.refund.update({
      where: { id: refund.id },
      data: {
        status: input.status,
        failureReason: input.failureReason ?? null,
        ...(input.stripeRefundId && !current.stripeRefundId ? { stripeRefundId: input.stripeRefundId } : {}),
      },
    });
    const order = await tx.order.findUniqueOrThrow({ where: { id: refund.orderId } });
    if (input.status !== "SUCCEEDED") await bookRefund(tx, order, refund, -1);
    else if (order.refundedAmount >= order.totalAmount) await revokeIfFullySettled(tx, order.id, input.actor);
    await auditRefund(
      tx,
      refund,
      input.actor,
      `refund.${input.status.toLowerCase()}`,
      input.failureReason ? { failureReason: input.failureReason } : undefined,
    );
    // The buyer hears of a refund once it succeeded (not while it is only reserved), the creator of what it took back.
    if (input.status === "SUCCEEDED") await queueRefundSucceededEmails(tx, refund.id);
  });
}

/**
 * Stripe reports a refund failed or canceled (`refund.failed`, `refund.updated`) — for some cards days after it
 * succeeded. The buyer did not get the money back, so the refund is undone in our books: the amounts go back on the
 * order and in the rollup, access the refund took away comes back, and staff are alerted. Stripe returns the refund to
 * the platform but leaves its transfer reversal and its application fee refund in place. The reversal is undone by a
 * transfer paying the creator back what it took (made once, idempotency key, before the books change). A fee refund
 * can't be undone on Stripe, so it stands in our books too: the order keeps it in `applicationFeeRefunded` and the
 * rollup in its fee refunds (a failed refund that reached Stripe still counts there with its fee refund alone). Taking
 * it back by reversing more of the sale's transfer would leave Stripe less to reverse than our books on a later
 * refund.
 */
export async function recordRefundFailure(input: {
  refundId: string;
  status: "FAILED" | "CANCELED";
  failureReason: string | null;
  actor: AuditActor;
}) {
  const refund = await db().refund.findUnique({
    where: { id: input.refundId },
    include: { order: { include: { creator: true } } },
  });
  if (!refund || refund.status === "FAILED" || refund.status === "CANCELED") return;
  const creatorOwed = refund.transferReversalAmount;
  const destination = refund.order.creator.stripeAccountId;
  const restoreTransferId =
    refund.restoreTransferId ??
    (creatorOwed > 0 && refund.stripeRefundId && destination
      ? await payBackCreator({
          destination,
          amount: creatorOwed,
          currency: refund.currency,
          sourceChargeId: refund.order.stripeChargeId,
          metadata: { refund_id: refund.id, order_id: refund.orderId },
          idempotencyKey: `refund-failed-${refund.id}`,
        })
      : null);
  await transaction(async (tx) => {
    await lockOrder(tx, refund.orderId);
    const current = await tx.refund.findUniqueOrThrow({ where: { id: refund.id } });
    if (current.status === "FAILED" || current.status === "CANCELED") return;
    await tx.refund.update({
      where: { id: current.id },
      data: { status: input.status, failureReason: input.failureReason, restoreTransferId },
    });
    const order = await tx.order.findUniqueOrThrow({ where: { id: current.orderId } });
    const feeRefundStands = current.stripeRefundId !== null;
    await bookRefund(tx, order, current, -1, { feeRefundStands });
    await restoreRefundedAccess(tx, order.id, "refund.failed", input.actor);
    const afterSuccess = current.status === "SUCCEEDED";
    await auditRefund(tx, current, input.actor, `refund.${input.status.toLowerCase()}`, {
      failureReason: input.failureReason,
      afterSuccess,
      creatorPaidBack: restoreTransferId ? creatorOwed : 0,
      restoreTransferId,
      applicationFeeRefundStands: feeRefundStands ? current.applicationFeeRefundAmount : 0,
    });
    const feeKept =
      feeRefundStands && current.applicationFeeRefundAmount > 0
        ? `; the ${formatMoney(current.applicationFeeRefundAmount, current.currency)} of the platform fee it gave ` +
          `back stays with the creator (Stripe doesn't undo a fee refund)`
        : "";
    const amount = formatMoney(current.amount, current.currency);
    await raiseStaffAlert(
      {
        kind: "refund_failed_after_success",
        message:
          `The ${amount} refund on order #${order.number} ${afterSuccess ? "failed after it had succeeded" : "failed"}` +
          `${input.failureReason ? ` (${input.failureReason.replaceAll("_", " ")})` : ""}: the buyer did not get the ` +
          `money back and the order counts it as paid again` +
          `${restoreTransferId ? `; the creator was paid back ${formatMoney(creatorOwed, current.currency)}` : ""}` +
          `${feeKept}. ` +
          `Contact the buyer to refund another way.`,
        dedupeKey: `refund-failed:${current.id}`,
        orderId: order.id,
      },
      tx,
    );
  });
}

/**
 * The order's status once a refund moved its refunded total to `refundedAmount`. Booking a refund (`sign` 1) makes a
 * paid order (or one whose dispute was won) REFUNDED or PARTIALLY_REFUNDED; giving one back (`sign` -1) makes a
 * refunded order PAID again once nothing stays refunded. A disputed order keeps its status: the card network decides.
 */
function orderStatusAfterRefund(order: Order, refundedAmount: number, sign: 1 | -1): OrderStatus {
  if (sign === 1)
    return order.status === "PAID" || order.status === "PARTIALLY_REFUNDED" || order.status === "DISPUTE_WON"
      ? refundedAmount >= order.totalAmount
        ? "REFUNDED"
        : "PARTIALLY_REFUNDED"
      : order.status;
  return order.status === "REFUNDED" || order.status === "PARTIALLY_REFUNDED"
    ? refundedAmount === 0
      ? "PAID"
      : "PARTIALLY_REFUNDED"
    : order.status;
}

/**
 * Books a refund's amounts on its order (under the order's lock) and in the daily rollup: `sign` 1 reserves a new
 * refund (ours, or one made in Stripe), -1 gives back one that failed or was canceled — all of it, or all but its
 * application fee refund when that stands on Stripe (`feeRefundStands`, see `recordRefundFailure`). Callers keep the
 * refunded total within what was paid (the database refuses more). Returns the order's new refunded total.
 */
async function bookRefund(
  tx: Tx,
  order: Order,
  refund: Refund,
  sign: 1 | -1,
  options: { feeRefundStands?: boolean } = {},
) {
  const refundedAmount = order.refundedAmount + sign * refund.amount;
  const feeRefund = options.feeRefundStands ? 0 : refund.applicationFeeRefundAmount;
  let status = orderStatusAfterRefund(order, refundedAmount, sign);
  // Nothing refunded any more on an order whose dispute was won: it is that again, not merely paid.
  if (status === "PAID" && (await tx.dispute.count({ where: { orderId: order.id, outcome: "WON" } })))
    status = "DISPUTE_WON";
  await tx.order.update({
    where: { id: order.id },
    data: {
      refundedAmount,
      transferReversedAmount: { increment: sign * refund.transferReversalAmount },
      applicationFeeRefunded: { increment: sign * feeRefund },
      status,
    },
  });
  await rollupRefund(tx, order, { ...refund, applicationFeeRefundAmount: feeRefund }, sign);
  return refundedAmount;
}

/** The audit entry of a step in a refund's life, carrying its order, amount and currency. */
function auditRefund(tx: Tx, refund: Refund, actor: AuditActor, action: string, data?: Prisma.InputJsonValue) {
  return audit(tx, {
    actor,
    action,
    entityType: "refund",
    entityId: refund.id,
    orderId: refund.orderId,
    amount: refund.amount,
    currency: refund.currency,
    data,
  });
}

async function revokeIfFullySettled(tx: Tx, orderId: string, actor: AuditActor) {
  const pending = await tx.refund.count({ where: { orderId, status: "PENDING" } });
  if (pending) return;
  await transitionOrderEntitlements(tx, { orderId, to: "REVOKED", cause: "order.fully_refunded", actor });
}

/**
 * Records a refund someone made outside this app (Stripe's dashboard, another tool) so that the order, the rollups,
 * access and the audit log still match Stripe to the cent. Idempotent by the Stripe refund id.
 *
 * Stripe doesn't tie an application fee refund to the refund that caused it, so this refund's share is what Stripe has
 * refunded of the fee in all less the fee refunds of the order's other refunds that Stripe has (not those we reserved
 * and haven't sent yet). When our books still count a refund Stripe doesn't (reserved and about to be refused, or
 * failed with its failure not recorded yet), this one would take the order past what was paid: it waits
 * (`not_recorded_yet`, retried) until that one is given back, rather than being booked short.
 */
export async function recordExternalRefund(input: {
  orderId: string;
  stripeRefund: {
    id: string;
    amount: number;
    currency: string;
    reason: string | null;
    status: "PENDING" | "SUCCEEDED";
  };
  effects: ExternalRefundEffects;
  actor: AuditActor;
  /** False for a refund that already failed on Stripe (recorded only to be undone): no "refund issued" email. */
  queueEmails?: boolean;
}) {
  await transaction(async (tx) => {
    await lockOrder(tx, input.orderId);
    if (await tx.refund.findUnique({ where: { stripeRefundId: input.stripeRefund.id } })) return;
    const order = await tx.order.findUniqueOrThrow({ where: { id: input.orderId }, include: { refunds: true } });
    if (order.refundedAmount + input.stripeRefund.amount > order.totalAmount)
      throw new DomainError(
        "not_recorded_yet",
        `Refund ${input.stripeRefund.id} on order #${order.number} would take it past what was paid: our books still ` +
          `count a refund Stripe doesn't (refused or failed, not recorded yet); retried later.`,
      );
    const onStripe = new Set(input.effects.refundsOnStripe.flatMap((r) => (r.refundId ? [r.id, r.refundId] : [r.id])));
    const feeRefundsOnStripe = order.refunds
      .filter((r) => onStripe.has(r.id) || (r.stripeRefundId !== null && onStripe.has(r.stripeRefundId)))
      .reduce((sum, r) => sum + r.applicationFeeRefundAmount, 0);
    const feeRefund = Math.min(
      Math.max(0, input.effects.applicationFeeRefundedTotal - feeRefundsOnStripe),
      order.applicationFeeAmount - order.applicationFeeRefunded,
    );
    const refund = await tx.refund.create({
      data: {
        orderId: order.id,
        amount: input.stripeRefund.amount,
        currency: order.currency,
        reason: isRefundReason(input.stripeRefund.reason) ? input.stripeRefund.reason : "other",
        staffNote: "Made in Stripe's dashboard",
        status: input.stripeRefund.status,
        reverseTransfer: input.effects.transferReversal > 0,
        refundApplicationFee: feeRefund > 0,
        transferReversalAmount: input.effects.transferReversal,
        applicationFeeRefundAmount: feeRefund,
        stripeRefundId: input.stripeRefund.id,
      },
    });
    const refundedAmount = await bookRefund(tx, order, refund, 1);
    await auditRefund(tx, refund, input.actor, "refund.recorded_from_stripe", {
      stripeRefundId: input.stripeRefund.id,
      transferReversal: refund.transferReversalAmount,
      applicationFeeRefund: feeRefund,
    });
    if (refund.status === "SUCCEEDED" && refundedAmount >= order.totalAmount)
      await revokeIfFullySettled(tx, order.id, input.actor);
    // A pending one is emailed when it settles (settleRefund).
    if (refund.status === "SUCCEEDED" && input.queueEmails !== false) await queueRefundSucceededEmails(tx, refund.id);
  });
}
