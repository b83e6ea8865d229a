// Orders as buyers see them: receipts scoped to their owner. Every query here `select`s what the buyer may see, so
// fees, the creator's share, Stripe ids, staff notes and who on staff did what are never even read.
import type { OrderStatus, Prisma } from "#app/generated/prisma/client.ts";
import { db } from "#app/utils/db.server.ts";
import { receiptKey } from "./email/messages.server.ts";
import { emailStatus } from "./email/outbox.server.ts";

/** Order numbers are PostgreSQL `integer`s; anything else in a URL names no order. */
const MAX_ORDER_NUMBER = 2_147_483_647;

/** The order number in a route parameter, or null when it can't be one (not digits, zero, beyond a 32-bit integer). */
export function parseOrderNumber(value: string | undefined): number | null {
  if (!value || !/^[1-9][0-9]{0,9}$/.test(value)) return null;
  const number = Number(value);
  return number <= MAX_ORDER_NUMBER ? number : null;
}

const receiptSelect = {
  number: true,
  status: true,
  paidAt: true,
  buyerEmail: true,
  currency: true,
  totalAmount: true,
  refundedAmount: true,
  creator: { select: { displayName: true } },
  items: { select: { productTitle: true, amount: true }, orderBy: { id: "asc" } },
  refunds: { select: { amount: true, status: true, createdAt: true }, orderBy: { createdAt: "asc" } },
  refundRequests: { select: { status: true, staffMessage: true }, orderBy: { createdAt: "desc" }, take: 1 },
} satisfies Prisma.OrderSelect;

const NO_REFUND_REQUESTS: OrderStatus[] = ["DISPUTED", "DISPUTE_LOST"];

/** A buyer's receipt: exactly what the receipt page shows, or null when the order isn't theirs. */
export async function buyerReceipt(input: { buyerId: string; orderNumber: number }) {
  const order = await db().order.findFirst({
    where: { number: input.orderNumber, buyerId: input.buyerId },
    select: receiptSelect,
  });
  if (!order) return null;
  const request = order.refundRequests[0] ?? null;
  return {
    number: order.number,
    status: order.status,
    paidAt: order.paidAt,
    buyerEmail: order.buyerEmail,
    currency: order.currency,
    creator: order.creator.displayName,
    items: order.items.map((item) => ({ title: item.productTitle, amount: item.amount })),
    totalAmount: order.totalAmount,
    refundedAmount: order.refundedAmount,
    refunds: order.refunds,
    // The message staff wrote to the buyer when declining; staff's own notes live elsewhere (`Refund.staffNote`).
    refundRequest: request
      ? { status: request.status, message: request.status === "DECLINED" ? request.staffMessage : null }
      : null,
    canRequestRefund:
      order.refundedAmount < order.totalAmount &&
      !NO_REFUND_REQUESTS.includes(order.status) &&
      request?.status !== "OPEN",
  };
}

export type BuyerReceipt = NonNullable<Awaited<ReturnType<typeof buyerReceipt>>>;

/** The order a checkout session became, as its success page shows it; null when none (yet) or not the buyer's. */
export async function orderForCheckoutSession(input: { buyerId: string; sessionId: string }) {
  const order = await db().order.findFirst({
    where: { stripeCheckoutSessionId: input.sessionId, buyerId: input.buyerId },
    select: {
      id: true,
      number: true,
      totalAmount: true,
      currency: true,
      buyerEmail: true,
      items: { select: { productTitle: true, amount: true }, orderBy: { id: "asc" } },
    },
  });
  if (!order) return null;
  // Only a receipt that is really in the outbox (queued or delivered) may be promised on the page.
  const receipt = await emailStatus(receiptKey(order.id));
  return {
    number: order.number,
    totalAmount: order.totalAmount,
    currency: order.currency,
    email: order.buyerEmail,
    items: order.items.map((item) => ({ title: item.productTitle, amount: item.amount })),
    receipt: receipt && receipt.status !== "FAILED" ? { to: receipt.to, sent: receipt.status === "SENT" } : null,
  };
}
