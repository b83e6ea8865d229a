// Read-only queries behind the staff console's order pages: search, one order with everything that happened to it,
// and the disputes list. Nothing here writes; money actions live in refunds.server.ts and disputes.server.ts.
import { z } from "zod";
import { dayRangeFilter, daysInOrder, DAYS_OUT_OF_ORDER, emptyToUndefined, isoDay } from "./day-range.ts";
import { recoverableAmount } from "./disputes.server.ts";
import { refundBlocked } from "./refunds.server.ts";
import type { ActorType, OrderStatus, Prisma } from "#app/generated/prisma/client.ts";
import { db } from "#app/utils/db.server.ts";
import { pageParam } from "#app/utils/paging.ts";

export const ORDER_PAGE_SIZE = 25;
export const DISPUTE_PAGE_SIZE = 25;

export const ORDER_STATUSES = [
  "PAID",
  "PARTIALLY_REFUNDED",
  "REFUNDED",
  "DISPUTED",
  "DISPUTE_WON",
  "DISPUTE_LOST",
] as const satisfies readonly OrderStatus[];

/** Query parameters of /staff/orders. An end date before the start date is an error on `to`. */
export const orderSearchSchema = z
  .object({
    q: z.preprocess(emptyToUndefined, z.string().trim().max(200, "Keep the search under 200 characters").optional()),
    status: z.preprocess(
      emptyToUndefined,
      z.enum(ORDER_STATUSES, { message: "Pick a status from the list" }).optional(),
    ),
    creator: z.preprocess(emptyToUndefined, z.string().max(100).optional()),
    from: isoDay,
    to: isoDay,
    page: pageParam,
  })
  .refine(daysInOrder, DAYS_OUT_OF_ORDER);
export type OrderSearchFilters = z.infer<typeof orderSearchSchema>;

export type SearchTerm =
  | { kind: "payment_intent"; value: string }
  | { kind: "charge"; value: string }
  | { kind: "checkout_session"; value: string }
  | { kind: "number"; value: number }
  | { kind: "email"; value: string }
  | { kind: "text"; value: string };

/** What one search box query means: a Stripe id, an order number, an email, or else creator/buyer text. */
export function classifySearch(raw: string): SearchTerm {
  const value = raw.trim();
  if (/^pi_[A-Za-z0-9_]+$/.test(value)) return { kind: "payment_intent", value };
  if (/^(ch|py)_[A-Za-z0-9_]+$/.test(value)) return { kind: "charge", value };
  if (/^cs_[A-Za-z0-9_]+$/.test(value)) return { kind: "checkout_session", value };
  const number = /^#?\s*(\d{1,9})$/.exec(value);
  if (number) return { kind: "number", value: Number(number[1]) };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return { kind: "email", value: value.toLowerCase() };
  return { kind: "text", value };
}

function searchWhere(term: SearchTerm): Prisma.OrderWhereInput {
  switch (term.kind) {
    case "payment_intent":
      return { stripePaymentIntentId: term.value };
    case "charge":
      return { stripeChargeId: term.value };
    case "checkout_session":
      return { stripeCheckoutSessionId: term.value };
    case "number":
      return { number: term.value };
    case "email":
      return {
        OR: [
          { buyerEmail: { equals: term.value, mode: "insensitive" } },
          { buyer: { email: { equals: term.value, mode: "insensitive" } } },
        ],
      };
    case "text": {
      const contains = { contains: term.value, mode: "insensitive" } as const;
      return {
        OR: [
          { creator: { displayName: contains } },
          { creator: { slug: contains } },
          { buyer: { name: contains } },
          { buyer: { email: contains } },
          { buyerEmail: contains },
        ],
      };
    }
  }
}

export function orderWhere(filters: OrderSearchFilters): Prisma.OrderWhereInput {
  const and: Prisma.OrderWhereInput[] = [];
  if (filters.q) and.push(searchWhere(classifySearch(filters.q)));
  if (filters.status) and.push({ status: filters.status });
  if (filters.creator) and.push({ creatorId: filters.creator });
  const days = dayRangeFilter(filters.from, filters.to);
  if (days) and.push({ paidAt: days });
  return and.length ? { AND: and } : {};
}

/** One page of orders matching the filters, newest payment first (ties broken by id so pages never overlap). */
export async function searchOrders(filters: OrderSearchFilters) {
  const where = orderWhere(filters);
  const [total, orders] = await Promise.all([
    db().order.count({ where }),
    db().order.findMany({
      where,
      orderBy: [{ paidAt: "desc" }, { id: "desc" }],
      skip: (filters.page - 1) * ORDER_PAGE_SIZE,
      take: ORDER_PAGE_SIZE,
      select: {
        id: true,
        number: true,
        status: true,
        currency: true,
        totalAmount: true,
        refundedAmount: true,
        buyerEmail: true,
        paidAt: true,
        stripePaymentIntentId: true,
        buyer: { select: { name: true } },
        creator: { select: { id: true, displayName: true, slug: true } },
        items: { select: { productTitle: true }, take: 3 },
      },
    }),
  ]);
  return {
    orders,
    total,
    page: filters.page,
    pageCount: Math.max(1, Math.ceil(total / ORDER_PAGE_SIZE)),
    searchKind: filters.q ? classifySearch(filters.q).kind : null,
  };
}

/** Creators for the order filter's select, by name. */
export async function creatorOptions() {
  return db().creatorAccount.findMany({
    select: { id: true, displayName: true, slug: true },
    orderBy: [{ displayName: "asc" }, { id: "asc" }],
    take: 1000,
  });
}

export interface TimelineEntry {
  key: string;
  at: string; // ISO
  source: "audit" | "stripe";
  title: string;
  actorType: ActorType;
  actorLabel: string;
  amount: number | null;
  currency: string | null;
  detail: string | null;
}

type TimelineOrder = {
  id: string;
  checkoutAttemptId: string | null;
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
  stripeCheckoutSessionId: string | null;
  stripeInvoiceId?: string | null;
};

function summarize(data: Prisma.JsonValue | null): string | null {
  if (data === null || data === undefined) return null;
  if (typeof data !== "object" || Array.isArray(data)) return JSON.stringify(data);
  const parts = Object.entries(data)
    .filter(([, value]) => value !== null && typeof value !== "object")
    .map(([key, value]) => `${key}: ${String(value)}`);
  return parts.length ? parts.join(" · ") : null;
}

/**
 * Everything that happened to an order, oldest first (Stripe events at the time we received them): its audit rows (plus those of the checkout attempt that became
 * it) merged with the stored Stripe events whose payload names its payment intent, charge or checkout session.
 */
export async function orderTimeline(order: TimelineOrder): Promise<TimelineEntry[]> {
  const auditWhere: Prisma.AuditLogWhereInput[] = [{ orderId: order.id }];
  if (order.checkoutAttemptId) auditWhere.push({ entityType: "checkout_attempt", entityId: order.checkoutAttemptId });
  // Quoted, so pi_123 never matches pi_1234; strpos needs no LIKE escaping of the ids' underscores.
  const needles = [
    order.stripePaymentIntentId,
    order.stripeChargeId,
    order.stripeCheckoutSessionId,
    order.stripeInvoiceId,
  ]
    .filter((id): id is string => Boolean(id))
    .map((id) => JSON.stringify(id));

  const [rows, events] = await Promise.all([
    db().auditLog.findMany({ where: { OR: auditWhere }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: 1000 }),
    needles.length
      ? db().$queryRaw<
          {
            id: string;
            type: string;
            stripeCreatedAt: Date;
            receivedAt: Date;
            processedAt: Date | null;
            processingError: string | null;
            deliveries: number;
          }[]
        >`SELECT id, type, "stripeCreatedAt", "receivedAt", "processedAt", "processingError", deliveries
            FROM stripe_events
           WHERE EXISTS (SELECT 1 FROM unnest(${needles}::text[]) AS needle WHERE strpos(payload::text, needle) > 0)
           ORDER BY "receivedAt", id
           LIMIT 1000`
      : Promise.resolve([]),
  ]);

  const userIds = [...new Set(rows.filter((r) => r.actorType === "USER" && r.actorId).map((r) => r.actorId!))];
  const users = userIds.length
    ? await db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, name: true, email: true } })
    : [];
  const userById = new Map(users.map((u) => [u.id, u]));

  const entries: (TimelineEntry & { sortAt: number; rank: number })[] = [
    ...events.map((event) => ({
      key: `stripe-${event.id}`,
      // Placed when we received it: Stripe's own timestamp has whole seconds only, too coarse to order it among our
      // millisecond audit rows (the processing it caused is always after receipt).
      at: event.receivedAt.toISOString(),
      sortAt: event.receivedAt.getTime(),
      rank: 0,
      source: "stripe" as const,
      title: event.type,
      actorType: "STRIPE" as const,
      actorLabel: `Stripe · ${event.id}`,
      amount: null,
      currency: null,
      detail: [
        `Created by Stripe ${event.stripeCreatedAt.toISOString()}`,
        event.processingError
          ? `processing failed: ${event.processingError}`
          : event.processedAt
            ? "processed"
            : "received, not processed yet",
        event.deliveries > 1 ? `delivered ${event.deliveries} times` : null,
      ]
        .filter(Boolean)
        .join(" · "),
    })),
    ...rows.map((row) => {
      const user = row.actorId ? userById.get(row.actorId) : undefined;
      const actorLabel =
        row.actorType === "USER"
          ? user
            ? `${user.name} (${user.email})`
            : `User ${row.actorId ?? "unknown"}`
          : row.actorType === "STRIPE"
            ? row.actorId
              ? `Stripe · ${row.actorId}`
              : "Stripe"
            : "System";
      return {
        key: `audit-${row.id.toString()}`,
        at: row.createdAt.toISOString(),
        sortAt: row.createdAt.getTime(),
        rank: 1,
        source: "audit" as const,
        title: row.action,
        actorType: row.actorType,
        actorLabel,
        amount: row.amount,
        currency: row.currency,
        detail: summarize(row.data),
      };
    }),
  ];
  entries.sort((a, b) => a.sortAt - b.sortAt || a.rank - b.rank || a.key.localeCompare(b.key));
  return entries.map(({ sortAt: _sortAt, rank: _rank, ...entry }) => entry);
}

/** One order as staff see it: parties, items, amounts, access, refunds, disputes, requests and its timeline. */
export async function staffOrderDetail(orderId: string) {
  const order = await db().order.findUnique({
    where: { id: orderId },
    include: {
      buyer: { select: { id: true, name: true, email: true } },
      creator: { select: { id: true, displayName: true, slug: true, stripeAccountId: true, onboardingStatus: true } },
      items: { orderBy: { id: "asc" } },
      entitlements: { include: { product: { select: { title: true } } }, orderBy: { createdAt: "asc" } },
      refunds: { orderBy: { createdAt: "asc" } },
      disputes: { orderBy: { createdAt: "asc" } },
      refundRequests: { orderBy: { createdAt: "asc" } },
      // A membership invoice's access comes from the membership, not from the order.
      membership: {
        select: {
          id: true,
          status: true,
          interval: true,
          stripeSubscriptionId: true,
          entitlement: { select: { id: true, status: true, statusReason: true, accessEndsAt: true } },
        },
      },
    },
  });
  if (!order) return null;
  const timeline = await orderTimeline(order);
  const refundableAmount = Math.max(0, order.totalAmount - order.refundedAmount);
  const disputed = order.status === "DISPUTED" || order.status === "DISPUTE_LOST";
  return {
    order,
    timeline,
    refundableAmount,
    canRefund: refundableAmount > 0 && !disputed,
    recoverableDisputeIds: order.disputes
      .filter((d) => d.outcome === "LOST" && d.recoveredAmount < d.amount)
      .map((d) => d.id),
  };
}

/** The staff refund page of one order: what was paid and refunded so far, what remains, and why it can't be
 * refunded (`refundBlocked`) if so; null when there is no such order. */
export async function refundForm(orderId: string) {
  const order = await db().order.findUnique({
    where: { id: orderId },
    include: { creator: { select: { displayName: true } }, items: { select: { productTitle: true } } },
  });
  if (!order) return null;
  return {
    order: {
      id: order.id,
      number: order.number,
      currency: order.currency,
      totalAmount: order.totalAmount,
      refundedAmount: order.refundedAmount,
      creator: order.creator.displayName,
      items: order.items.map((i) => i.productTitle),
    },
    remainder: order.totalAmount - order.refundedAmount,
    blocked: refundBlocked(order),
  };
}

/** The staff page that recovers a lost dispute from the creator: the dispute, its order and what is still
 * recoverable; null when there is no such dispute. */
export async function disputeRecovery(disputeId: string) {
  const dispute = await db().dispute.findUnique({
    where: { id: disputeId },
    include: { order: { include: { creator: { select: { displayName: true } } } } },
  });
  if (!dispute) return null;
  return {
    dispute: {
      id: dispute.id,
      outcome: dispute.outcome,
      amount: dispute.amount,
      currency: dispute.currency,
      reason: dispute.reason,
      recoveredAmount: dispute.recoveredAmount,
      orderId: dispute.orderId,
      orderNumber: dispute.order.number,
      creator: dispute.order.creator.displayName,
    },
    recoverable: recoverableAmount(dispute, dispute.order),
  };
}

/** Open disputes first (soonest evidence deadline first), then closed ones (most recently closed first). */
export async function listDisputes(page: number) {
  const include = {
    order: {
      select: {
        id: true,
        number: true,
        buyerEmail: true,
        creator: { select: { id: true, displayName: true, slug: true } },
      },
    },
  } satisfies Prisma.DisputeInclude;
  const [openCount, closedCount] = await Promise.all([
    db().dispute.count({ where: { outcome: "OPEN" } }),
    db().dispute.count({ where: { outcome: { not: "OPEN" } } }),
  ]);
  const start = (page - 1) * DISPUTE_PAGE_SIZE;
  const openTake = Math.max(0, Math.min(DISPUTE_PAGE_SIZE, openCount - start));
  const closedSkip = Math.max(0, start - openCount);
  const closedTake = DISPUTE_PAGE_SIZE - openTake;
  const [open, closed] = await Promise.all([
    openTake > 0
      ? db().dispute.findMany({
          where: { outcome: "OPEN" },
          orderBy: [{ evidenceDueBy: { sort: "asc", nulls: "last" } }, { createdAt: "asc" }, { id: "asc" }],
          skip: start,
          take: openTake,
          include,
        })
      : Promise.resolve([]),
    closedTake > 0
      ? db().dispute.findMany({
          where: { outcome: { not: "OPEN" } },
          orderBy: [{ closedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }, { id: "desc" }],
          skip: closedSkip,
          take: closedTake,
          include,
        })
      : Promise.resolve([]),
  ]);
  const total = openCount + closedCount;
  return { open, closed, openCount, closedCount, page, pageCount: Math.max(1, Math.ceil(total / DISPUTE_PAGE_SIZE)) };
}
