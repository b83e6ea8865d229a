// Memberships: a buyer's subscription to a creator's membership product.
//
// Stripe is the source of truth. Every lifecycle event (customer.subscription.*, invoice.*) makes us read the
// subscription's *current* state from Stripe and rewrite the membership row and its entitlement from it, under a
// per-subscription lock; so duplicates, retries and any arrival order end in the same row. A paid invoice with an
// amount becomes an order (one per invoice, by its unique id), so refunds, disputes, rollups and the staff console
// treat renewals like any sale.
import type { BillingInterval, EntitlementStatus, MembershipStatus } from "#app/generated/prisma/client.ts";
import { retrievePaymentDetails } from "#app/stripe/checkout.server.ts";
import {
  activeStripePriceIds,
  createBillingPortalSession,
  archiveRecurringPrice,
  createMembershipStripeProduct,
  renameMembershipStripeProduct,
  createRecurringPrice,
  paymentIntentStatus,
  retrieveInvoice,
  retrieveSubscription,
  type InvoiceInfo,
} from "#app/stripe/memberships.server.ts";
import { db, Prisma, transaction, type Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { DAY_MS } from "./day-range.ts";
import {
  queueMembershipCanceled,
  queueMembershipEnded,
  queueMembershipReceipt,
  queueMembershipStarted,
  queuePaymentActionRequired,
  queuePaymentFailed,
  queueTrialEnding,
} from "./email/membership-messages.server.ts";
import { rollupSale } from "./revenue.server.ts";

export const MEMBERSHIP_STATUS_WORDS: Record<MembershipStatus, string> = {
  INCOMPLETE: "Waiting for the first payment",
  INCOMPLETE_EXPIRED: "First payment never completed",
  TRIALING: "Free trial",
  ACTIVE: "Active",
  PAST_DUE: "Payment failed",
  UNPAID: "Ended — unpaid",
  PAUSED: "Paused",
  CANCELED: "Canceled",
};

/** Statuses that still count as a member (for "already a member" and active-member counts). */
export const LIVE_MEMBERSHIP: MembershipStatus[] = ["INCOMPLETE", "TRIALING", "ACTIVE", "PAST_DUE", "PAUSED"];

export const INTERVAL_WORDS: Record<BillingInterval, { noun: string }> = {
  MONTH: { noun: "month" },
  YEAR: { noun: "year" },
};

export function membershipStatusOf(status: string): MembershipStatus {
  return status.toUpperCase() as MembershipStatus;
}

/**
 * What a membership's entitlement says, from the subscription's state: trialing and paid-up members have access; a
 * failed renewal keeps access for the grace period (from when we first saw it past due); paused, canceled and unpaid
 * memberships have none. While one of its invoices is disputed, access is frozen, as for a purchase.
 */
export function membershipAccess(
  membership: { status: MembershipStatus; pausedCollection: boolean; pastDueSince: Date | null; disputed?: boolean },
  graceDays = env().MEMBERSHIP_GRACE_DAYS,
): { status: EntitlementStatus; accessEndsAt: Date | null } {
  const ended =
    membership.status === "CANCELED" || membership.status === "UNPAID" || membership.status === "INCOMPLETE_EXPIRED";
  if (membership.disputed && !ended) return { status: "FROZEN", accessEndsAt: null };
  switch (membership.status) {
    case "TRIALING":
    case "ACTIVE":
      return membership.pausedCollection
        ? { status: "PAUSED", accessEndsAt: null }
        : { status: "ACTIVE", accessEndsAt: null };
    case "PAST_DUE":
      return {
        status: "GRACE",
        accessEndsAt: new Date((membership.pastDueSince ?? new Date()).getTime() + graceDays * DAY_MS),
      };
    case "PAUSED":
      return { status: "PAUSED", accessEndsAt: null };
    default:
      return { status: "ENDED", accessEndsAt: null };
  }
}

/** One lock per subscription, held while its state is read from Stripe and written, so two syncs can't interleave. */
async function lockSubscription(tx: Tx, subscriptionId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`subscription:${subscriptionId}`}, 0))`;
}

const toDate = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);

export type SyncResult =
  { status: "synced"; membershipId: string; latestInvoiceId: string | null } | { status: "unknown_subscription" };

/**
 * Rewrites the membership for a Stripe subscription from Stripe's current state (creating it on first sight, from the
 * ids our Checkout put in its metadata). Subscriptions we did not create are acknowledged and ignored.
 */
export async function syncMembership(subscriptionId: string, actor: AuditActor): Promise<SyncResult> {
  return transaction(async (tx) => {
    await lockSubscription(tx, subscriptionId);
    // Read under the lock: a sync that started earlier can't overwrite a newer state with an older one.
    const sub = await retrieveSubscription(subscriptionId);
    const existing = await tx.membership.findUnique({ where: { stripeSubscriptionId: subscriptionId } });
    const meta = sub.metadata;
    const item = sub.item;
    const stripePrice = item?.price;
    const priceRow = stripePrice ? await tx.price.findUnique({ where: { stripePriceId: stripePrice.id } }) : null;
    const productId = existing?.productId ?? meta.product_id;
    const buyerId = existing?.buyerId ?? meta.buyer_id;
    if (!productId || !buyerId) return { status: "unknown_subscription" } as const;
    const product = await tx.product.findUnique({
      where: { id: productId },
      select: { id: true, creatorId: true, title: true },
    });
    const buyer = await tx.user.findUnique({ where: { id: buyerId }, select: { id: true, stripeCustomerId: true } });
    if (!product || !buyer) return { status: "unknown_subscription" } as const;
    const priceId = priceRow?.id ?? existing?.priceId ?? meta.price_id;
    if (!priceId) return { status: "unknown_subscription" } as const;

    const status = membershipStatusOf(sub.status);
    const now = new Date();
    const customerId = sub.customerId;
    const latestInvoice = sub.latestInvoice;
    const problem = await paymentProblemOf(status, latestInvoice);
    const paidOrders = existing ? await tx.order.count({ where: { membershipId: existing.id } }) : 0;
    const invoicePaidAfterTrial = latestInvoice?.status === "paid" && latestInvoice.amountPaid > 0;
    const converted = sub.trialStart !== null && (paidOrders > 0 || invoicePaidAfterTrial);
    const ended = status === "CANCELED" || status === "UNPAID" || status === "INCOMPLETE_EXPIRED";
    const unitAmount = (stripePrice?.unitAmount ?? priceRow?.amount ?? existing?.amount ?? 0) * (item?.quantity ?? 1);
    const interval: BillingInterval = stripePrice?.interval === "year" ? "YEAR" : "MONTH";
    const fields = {
      priceId,
      status,
      amount: unitAmount,
      currency: stripePrice?.currency ?? sub.currency,
      interval,
      applicationFeePercent: sub.applicationFeePercent === null ? null : new Prisma.Decimal(sub.applicationFeePercent),
      trialEndsAt: toDate(sub.trialEnd),
      currentPeriodEnd: toDate(item?.currentPeriodEnd),
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      cancelAt: toDate(sub.cancelAt),
      canceledAt: toDate(sub.canceledAt),
      pausedCollection: sub.pausedCollection,
      paymentProblem: problem?.kind ?? null,
      paymentProblemUrl: problem?.url ?? null,
      pastDueSince: status === "PAST_DUE" ? (existing?.pastDueSince ?? now) : null,
      convertedAt: converted ? (existing?.convertedAt ?? now) : null,
      endedAt: ended ? (existing?.endedAt ?? now) : null,
      lastSyncedAt: now,
    };
    const membership = existing
      ? await tx.membership.update({ where: { id: existing.id }, data: fields })
      : await tx.membership.create({
          data: {
            ...fields,
            buyerId: buyer.id,
            creatorId: product.creatorId,
            productId: product.id,
            checkoutAttemptId: meta.checkout_attempt_id
              ? ((
                  await tx.checkoutAttempt.findUnique({ where: { id: meta.checkout_attempt_id }, select: { id: true } })
                )?.id ?? null)
              : null,
            stripeSubscriptionId: sub.id,
            stripeCustomerId: customerId,
          },
        });
    /** The membership's audit entry, naming its subscription. */
    const auditMembership = (action: string, data: Prisma.InputJsonObject) =>
      audit(tx, {
        actor,
        action,
        entityType: "membership",
        entityId: membership.id,
        amount: membership.amount,
        currency: membership.currency,
        data: { subscriptionId: sub.id, ...data },
      });
    if (!existing) {
      await auditMembership("membership.started", {
        status,
        interval,
        productId: product.id,
        trialEndsAt: fields.trialEndsAt?.toISOString() ?? null,
      });
      if (membership.checkoutAttemptId)
        await tx.checkoutAttempt.updateMany({
          where: { id: membership.checkoutAttemptId, status: "OPEN" },
          data: { status: "COMPLETED" },
        });
      if (!buyer.stripeCustomerId)
        await tx.user.updateMany({
          where: { id: buyer.id, stripeCustomerId: null },
          data: { stripeCustomerId: customerId },
        });
    } else if (
      existing.status !== status ||
      existing.priceId !== priceId ||
      existing.cancelAtPeriodEnd !== fields.cancelAtPeriodEnd
    ) {
      await auditMembership("membership.updated", {
        from: { status: existing.status, priceId: existing.priceId, cancelAtPeriodEnd: existing.cancelAtPeriodEnd },
        to: { status, priceId, cancelAtPeriodEnd: fields.cancelAtPeriodEnd },
      });
    }
    await writeMembershipEntitlement(tx, membership, actor);
    await queueLifecycleEmails(tx, existing, membership);
    const latestInvoiceId = sub.latestInvoiceId;
    return { status: "synced", membershipId: membership.id, latestInvoiceId } as const;
  });
}

const STARTED: MembershipStatus[] = ["TRIALING", "ACTIVE"];
const ENDED: MembershipStatus[] = ["CANCELED", "UNPAID", "INCOMPLETE_EXPIRED"];

/**
 * The emails a change of the membership causes, in the sync's transaction: the start (welcome, new member) when it
 * first becomes a trial or a paid membership, the cancellation when it is first set to end, the end when it first
 * ends after it had started. Each key names its cause, so a sync that sees the same change again queues nothing.
 */
async function queueLifecycleEmails(
  tx: Tx,
  before: { status: MembershipStatus; cancelAtPeriodEnd: boolean; cancelAt: Date | null; endedAt: Date | null } | null,
  after: { id: string; status: MembershipStatus; cancelAtPeriodEnd: boolean; cancelAt: Date | null },
) {
  if (STARTED.includes(after.status) && (!before || before.status === "INCOMPLETE"))
    await queueMembershipStarted(tx, after.id);
  if (!before) return;
  const ending = (m: { cancelAtPeriodEnd: boolean; cancelAt: Date | null }) =>
    m.cancelAtPeriodEnd || m.cancelAt !== null;
  if (!ENDED.includes(after.status) && ending(after) && !ending(before)) await queueMembershipCanceled(tx, after.id);
  if (
    ENDED.includes(after.status) &&
    before.endedAt === null &&
    !ENDED.includes(before.status) &&
    before.status !== "INCOMPLETE"
  )
    await queueMembershipEnded(tx, after.id, { unpaid: after.status === "UNPAID" || before.status === "PAST_DUE" });
}

/**
 * Stripe says a trial ends soon (`customer.subscription.trial_will_end`): the membership is synced and, while it is
 * still a trial that will convert, the buyer is told when and for how much.
 */
export async function noticeTrialEnding(subscriptionId: string, actor: AuditActor) {
  const synced = await syncMembership(subscriptionId, actor);
  if (synced.status !== "synced") return null;
  return transaction((tx) => queueTrialEnding(tx, synced.membershipId));
}

/**
 * A renewal payment failed (`invoice.payment_failed`) or waits for the buyer's bank (`invoice.payment_action_required`).
 * The invoice is read from Stripe: once paid or voided (a late event) nobody is asked anything; a failure that only
 * needs the buyer's confirmation gets the confirmation email, not a second one about the card.
 */
export async function noticeInvoicePaymentProblem(
  input: { invoiceId: string; kind: "failed" | "action_required"; amountDue: number },
  actor: AuditActor,
) {
  const invoice = await retrieveInvoice(input.invoiceId);
  if (!invoice.subscriptionId) return null;
  const synced = await syncMembership(invoice.subscriptionId, actor);
  if (synced.status !== "synced" || invoice.status !== "open") return null;
  const intentStatus = invoice.paymentIntentId ? await paymentIntentStatus(invoice.paymentIntentId) : null;
  const base = { membershipId: synced.membershipId, invoiceId: invoice.id, amountDue: input.amountDue };
  if (input.kind === "failed") {
    if (intentStatus === "requires_action") return null;
    return transaction((tx) => queuePaymentFailed(tx, { ...base, currency: invoice.currency }));
  }
  if (!invoice.hostedInvoiceUrl) return null;
  const confirmUrl = invoice.hostedInvoiceUrl;
  return transaction((tx) => queuePaymentActionRequired(tx, { ...base, currency: invoice.currency, confirmUrl }));
}

/** A failed or unauthenticated renewal, for the buyer's banner: from the latest invoice, while it is still open. */
async function paymentProblemOf(status: MembershipStatus, invoice: InvoiceInfo | null) {
  if (!invoice || invoice.status !== "open" || invoice.attemptCount === 0) return null;
  if (status !== "PAST_DUE" && status !== "UNPAID" && status !== "INCOMPLETE") return null;
  const intentId = invoice.paymentIntentId;
  const intentStatus = intentId ? await paymentIntentStatus(intentId) : null;
  return {
    kind: intentStatus === "requires_action" ? ("action_required" as const) : ("failed" as const),
    url: invoice.hostedInvoiceUrl,
  };
}

/** Re-derives a membership's access after something outside the subscription changed (a dispute on an invoice). */
export async function refreshMembershipAccess(tx: Tx, membershipId: string, actor: AuditActor) {
  const membership = await tx.membership.findUnique({ where: { id: membershipId } });
  if (membership) await writeMembershipEntitlement(tx, membership, actor);
}

async function writeMembershipEntitlement(
  tx: Tx,
  membership: {
    id: string;
    buyerId: string;
    productId: string;
    status: MembershipStatus;
    pausedCollection: boolean;
    pastDueSince: Date | null;
  },
  actor: AuditActor,
) {
  const disputed = (await tx.order.count({ where: { membershipId: membership.id, status: "DISPUTED" } })) > 0;
  const access = membershipAccess({ ...membership, disputed });
  const current = await tx.entitlement.findUnique({ where: { membershipId: membership.id } });
  if (current && current.status === access.status && current.accessEndsAt?.getTime() === access.accessEndsAt?.getTime())
    return;
  const entitlement = current
    ? await tx.entitlement.update({
        where: { id: current.id },
        data: {
          status: access.status,
          accessEndsAt: access.accessEndsAt,
          statusReason: `membership.${membership.status.toLowerCase()}`,
        },
      })
    : await tx.entitlement.create({
        data: {
          userId: membership.buyerId,
          productId: membership.productId,
          membershipId: membership.id,
          status: access.status,
          accessEndsAt: access.accessEndsAt,
          statusReason: `membership.${membership.status.toLowerCase()}`,
        },
      });
  await audit(tx, {
    actor,
    action: current ? `entitlement.${access.status.toLowerCase()}` : "entitlement.granted",
    entityType: "entitlement",
    entityId: entitlement.id,
    data: {
      membershipId: membership.id,
      from: current?.status ?? null,
      to: access.status,
      accessEndsAt: access.accessEndsAt?.toISOString() ?? null,
      cause: `membership.${membership.status.toLowerCase()}`,
    },
  });
}

export type InvoiceResult =
  | { status: "recorded" | "already_recorded"; orderId: string; membershipId: string }
  | { status: "nothing_to_record" | "unknown_subscription" };

/**
 * A paid invoice with an amount becomes an order, once (its id is unique on orders). $0 invoices (a trial's start)
 * move no money and make no order. The membership is synced first, so the order can point at it whatever the order of
 * events was.
 */
export async function recordInvoicePayment(
  invoiceId: string,
  actor: AuditActor,
  /** A sync of the invoice's subscription the caller just did (so it isn't read from Stripe twice). */
  alreadySynced?: SyncResult,
  /** The period the invoice pays for (its subscription line's), for the buyer's receipt. */
  period: { start: Date; end: Date } | null = null,
): Promise<InvoiceResult> {
  const invoice = await retrieveInvoice(invoiceId);
  const { subscriptionId } = invoice;
  if (!subscriptionId) return { status: "unknown_subscription" };
  const synced = alreadySynced ?? (await syncMembership(subscriptionId, actor));
  if (synced.status !== "synced") return synced;
  if (invoice.status !== "paid" || invoice.amountPaid <= 0) return { status: "nothing_to_record" };
  const intentId = invoice.paymentIntentId;
  if (!intentId) throw new Error(`Paid invoice ${invoice.id} has no payment intent`);
  // Network first, never while holding a lock.
  const payment = await retrievePaymentDetails(intentId);

  return transaction(async (tx) => {
    await lockSubscription(tx, subscriptionId);
    const existing = await tx.order.findUnique({ where: { stripeInvoiceId: invoice.id } });
    if (existing)
      return { status: "already_recorded", orderId: existing.id, membershipId: synced.membershipId } as const;
    const membership = await tx.membership.findUniqueOrThrow({
      where: { id: synced.membershipId },
      include: { product: { select: { title: true } }, buyer: { select: { email: true } } },
    });
    const totalAmount = invoice.amountPaid;
    const applicationFeeAmount = payment.applicationFeeAmount ?? 0;
    const feeBps = membership.applicationFeePercent ? Math.round(Number(membership.applicationFeePercent) * 100) : 0;
    const order = await tx.order.create({
      data: {
        buyerId: membership.buyerId,
        creatorId: membership.creatorId,
        membershipId: membership.id,
        stripeInvoiceId: invoice.id,
        billingReason: invoice.billingReason,
        buyerEmail: invoice.customerEmail ?? membership.buyer.email,
        currency: invoice.currency,
        totalAmount,
        applicationFeeAmount,
        creatorAmount: totalAmount - applicationFeeAmount,
        stripeFeeAmount: payment.stripeFee,
        stripePaymentIntentId: payment.paymentIntentId,
        stripeChargeId: payment.chargeId,
        stripeTransferId: payment.transferId,
        paidAt: new Date(),
        items: {
          create: {
            productId: membership.productId,
            priceId: membership.priceId,
            productTitle: membership.product.title,
            quantity: 1,
            unitAmount: totalAmount,
            amount: totalAmount,
            currency: invoice.currency,
            applicationFeeAmount,
            feeBps,
          },
        },
      },
    });
    await rollupSale(tx, order);
    await audit(tx, {
      actor,
      action: "order.paid",
      entityType: "order",
      entityId: order.id,
      orderId: order.id,
      amount: totalAmount,
      currency: order.currency,
      data: {
        orderNumber: order.number,
        membershipId: membership.id,
        invoiceId: invoice.id,
        billingReason: invoice.billingReason,
        applicationFee: applicationFeeAmount,
        creatorAmount: order.creatorAmount,
        stripeFee: payment.stripeFee,
        paymentIntentId: payment.paymentIntentId,
        chargeId: payment.chargeId,
      },
    });
    // The first invoice's payment is in the welcome email; every later one gets its receipt.
    if (invoice.billingReason !== "subscription_create")
      await queueMembershipReceipt(tx, { orderId: order.id, period });
    return { status: "recorded", orderId: order.id, membershipId: membership.id } as const;
  });
}

/**
 * Makes sure a membership product has its Stripe product and a Stripe price for each active price row (created after
 * the rows are saved, so a Stripe outage never loses a creator's edit; retried at checkout). Replaced prices are
 * archived in Stripe: members on them keep paying them, new buyers and the portal see only the current ones.
 */
export async function ensureMembershipStripePrices(productId: string) {
  const product = await db().product.findUniqueOrThrow({
    where: { id: productId },
    include: { prices: { where: { interval: { not: null } } } },
  });
  if (product.kind !== "MEMBERSHIP") return product;
  let stripeProductId = product.stripeProductId;
  if (!stripeProductId) {
    const created = await createMembershipStripeProduct(
      { productId: product.id, title: product.title },
      `membership-product-${product.id}`,
    );
    stripeProductId = created.id;
    await db().product.update({ where: { id: product.id }, data: { stripeProductId } });
  } else {
    // The name buyers see on Checkout, the portal and invoices follows a rename.
    await renameMembershipStripeProduct(stripeProductId, product.title);
  }
  // One list of what Stripe still offers, so only prices replaced since the last call are archived.
  const offeredInStripe = new Set(await activeStripePriceIds(stripeProductId));
  for (const price of product.prices) {
    if (price.active && !price.stripePriceId) {
      const created = await createRecurringPrice({
        stripeProductId,
        priceId: price.id,
        amount: price.amount,
        currency: price.currency,
        interval: price.interval === "YEAR" ? "year" : "month",
      });
      await db().price.update({ where: { id: price.id }, data: { stripePriceId: created.id } });
    } else if (!price.active && price.stripePriceId && offeredInStripe.has(price.stripePriceId)) {
      await archiveRecurringPrice(price.stripePriceId);
    }
  }
  return db().product.findUniqueOrThrow({ where: { id: productId }, include: { prices: true } });
}

/** A buyer's memberships for the library, newest first. */
export function listMemberships(buyerId: string) {
  return db().membership.findMany({
    where: { buyerId },
    orderBy: { createdAt: "desc" },
    include: {
      product: {
        select: { title: true, slug: true, deliverableName: true, creator: { select: { displayName: true } } },
      },
      entitlement: { select: { id: true, status: true, accessEndsAt: true } },
      orders: {
        select: { number: true, totalAmount: true, currency: true, paidAt: true, refundedAmount: true },
        orderBy: { paidAt: "desc" },
        take: 12,
      },
    },
  });
}

/**
 * Stripe's billing portal for one of the buyer's memberships (cancel, switch plan, card, invoices), coming back to
 * `returnUrl`; null when the membership isn't the buyer's.
 */
export async function openBillingPortal(input: { buyerId: string; membershipId: string; returnUrl: string }) {
  const membership = await db().membership.findFirst({
    where: { id: input.membershipId, buyerId: input.buyerId },
    select: { stripeCustomerId: true },
  });
  if (!membership) return null;
  const portal = await createBillingPortalSession({
    customer: membership.stripeCustomerId,
    returnUrl: input.returnUrl,
  });
  return portal.url;
}
