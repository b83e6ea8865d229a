// The creator studio (/creator): what the creator sees about their account, and the way to their Stripe Express
// dashboard. Every query is scoped to the signed-in creator's own account.
import { createDashboardLink } from "#app/stripe/connect.server.ts";
import { db } from "#app/utils/db.server.ts";
import { currentFeeRate } from "./creators.server.ts";

/** The studio's front page for the user's creator account; null when they have none. */
export async function creatorStudio(userId: string) {
  const account = await db().creatorAccount.findUnique({
    where: { userId },
    select: {
      displayName: true,
      slug: true,
      onboardingStatus: true,
      chargesEnabled: true,
      payoutsEnabled: true,
      requirementsDue: true,
      stripeAccountId: true,
      id: true,
      feeOverrideBps: true,
      isPartner: true,
      _count: { select: { products: true, orders: true } },
    },
  });
  if (!account) return null;
  const publishedCount = await db().product.count({ where: { creator: { userId }, published: true } });
  const fee = await currentFeeRate(db(), account);
  return {
    account: {
      displayName: account.displayName,
      slug: account.slug,
      onboardingStatus: account.onboardingStatus,
      chargesEnabled: account.chargesEnabled,
      payoutsEnabled: account.payoutsEnabled,
      requirementsDue: account.requirementsDue,
      hasStripeAccount: account.stripeAccountId !== null,
      productCount: account._count.products,
      orderCount: account._count.orders,
    },
    publishedCount,
    fee,
  };
}

/** A one-time login link to the creator's Stripe Express dashboard; null until they have connected Stripe. */
export async function openStripeDashboard(userId: string): Promise<string | null> {
  const creator = await db().creatorAccount.findUnique({
    where: { userId },
    select: { stripeAccountId: true, onboardingStatus: true },
  });
  if (!creator?.stripeAccountId || creator.onboardingStatus === "NOT_STARTED") return null;
  const link = await createDashboardLink(creator.stripeAccountId);
  return link.url;
}
