// Orders as buyers see them: receipts scoped to their owner.
import { db } from "#app/utils/db.server.ts";

export function buyerOrder(input: { buyerId: string; orderNumber: number }) {
  return db().order.findFirst({
    where: { number: input.orderNumber, buyerId: input.buyerId },
    include: {
      items: true,
      creator: { select: { displayName: true, slug: true } },
      refunds: { orderBy: { createdAt: "asc" } },
      refundRequests: { orderBy: { createdAt: "desc" }, take: 1 },
    },
  });
}

export function orderForCheckoutSession(input: { buyerId: string; sessionId: string }) {
  return db().order.findFirst({
    where: { stripeCheckoutSessionId: input.sessionId, buyerId: input.buyerId },
    include: { items: true },
  });
}
