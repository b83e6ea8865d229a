// Buyers ask for refunds; staff approve (which runs the refund) or decline with a message.
import { db, isUniqueViolation, lockOrder, transaction } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { queueRefundRequestDecision } from "./email/money-messages.server.ts";
import { DomainError } from "./errors.ts";
import { refundOrder } from "./refunds.server.ts";

export async function requestRefund(input: {
  buyerId: string;
  orderNumber: number;
  reason: string;
  actor: AuditActor;
}) {
  return transaction(async (tx) => {
    const order = await tx.order.findFirst({ where: { number: input.orderNumber, buyerId: input.buyerId } });
    if (!order) throw new DomainError("not_found", "We couldn't find that order.");
    await lockOrder(tx, order.id);
    const fresh = await tx.order.findUniqueOrThrow({ where: { id: order.id } });
    if (fresh.refundedAmount >= fresh.totalAmount)
      throw new DomainError("already_refunded", "This order has already been refunded.");
    if (fresh.status === "DISPUTED" || fresh.status === "DISPUTE_LOST")
      throw new DomainError("disputed", "This payment is disputed with your bank, so it can't be refunded here.");
    const open = await tx.refundRequest.count({ where: { orderId: order.id, status: "OPEN" } });
    if (open)
      throw new DomainError(
        "already_requested",
        "You already asked for a refund on this order. We'll get back to you soon.",
      );
    const request = await tx.refundRequest.create({
      data: { orderId: order.id, buyerId: input.buyerId, reason: input.reason },
    });
    await audit(tx, {
      actor: input.actor,
      action: "refund_request.opened",
      entityType: "refund_request",
      entityId: request.id,
      orderId: order.id,
      data: { reason: input.reason },
    });
    return request;
  });
}

export function listRefundRequests({ page = 1, pageSize = 25 }: { page?: number; pageSize?: number } = {}) {
  return Promise.all([
    db().refundRequest.count(),
    db().refundRequest.findMany({
      // Open ones first (enum order: OPEN, APPROVED, DECLINED), oldest open first.
      orderBy: [{ status: "asc" }, { createdAt: "asc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      include: {
        buyer: { select: { name: true, email: true } },
        order: {
          select: {
            id: true,
            number: true,
            totalAmount: true,
            refundedAmount: true,
            currency: true,
            status: true,
            creator: { select: { displayName: true } },
            items: { select: { productTitle: true } },
          },
        },
      },
    }),
  ]).then(([total, requests]) => ({ total, requests, page, pageCount: Math.max(1, Math.ceil(total / pageSize)) }));
}

/** Approving refunds the whole remaining amount with the default split (creator's transfer and our fee in proportion). */
export async function approveRefundRequest(input: { requestId: string; actor: AuditActor }) {
  const request = await db().refundRequest.findUnique({ where: { id: input.requestId }, include: { order: true } });
  if (!request) throw new DomainError("not_found", "That request doesn't exist.");
  if (request.status !== "OPEN") throw new DomainError("already_handled", "This request was already handled.");
  const remainder = request.order.totalAmount - request.order.refundedAmount;
  if (remainder <= 0) throw new DomainError("already_refunded", "This order is already fully refunded.");
  const refund = await refundOrder({
    orderId: request.orderId,
    amount: remainder,
    reason: "requested_by_customer",
    note: request.reason.slice(0, 200),
    reverseTransfer: true,
    refundApplicationFee: true,
    balancePolicy: "reverse_anyway",
    requestKey: `refund-request-${request.id}`,
    actor: input.actor,
  });
  await transaction(async (tx) => {
    const { count } = await tx.refundRequest.updateMany({
      where: { id: request.id, status: "OPEN" },
      data: { status: "APPROVED", decidedById: input.actor.id ?? null, decidedAt: new Date(), refundId: refund.id },
    });
    if (!count) return;
    await audit(tx, {
      actor: input.actor,
      action: "refund_request.approved",
      entityType: "refund_request",
      entityId: request.id,
      orderId: request.orderId,
      amount: refund.amount,
      currency: refund.currency,
      data: { refundId: refund.id },
    });
    await queueRefundRequestDecision(tx, request.id);
  }).catch((error) => {
    if (!isUniqueViolation(error)) throw error;
  });
  return refund;
}

export async function declineRefundRequest(input: { requestId: string; message: string; actor: AuditActor }) {
  await transaction(async (tx) => {
    const { count } = await tx.refundRequest.updateMany({
      where: { id: input.requestId, status: "OPEN" },
      data: {
        status: "DECLINED",
        staffMessage: input.message,
        decidedById: input.actor.id ?? null,
        decidedAt: new Date(),
      },
    });
    if (!count) throw new DomainError("already_handled", "This request was already handled.");
    const request = await tx.refundRequest.findUniqueOrThrow({ where: { id: input.requestId } });
    await audit(tx, {
      actor: input.actor,
      action: "refund_request.declined",
      entityType: "refund_request",
      entityId: request.id,
      orderId: request.orderId,
      data: { message: input.message },
    });
    await queueRefundRequestDecision(tx, request.id);
  });
}
