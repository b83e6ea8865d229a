// Creators' Stripe Connect accounts: onboarding and the status we show them.
import type { OnboardingStatus } from "#app/generated/prisma/client.ts";
import {
  createExpressAccount,
  createOnboardingLink,
  retrieveAccount,
  type ConnectedAccountInfo,
} from "#app/stripe/connect.server.ts";
import { db, transaction, type Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import {
  queueDetailsNeeded,
  queuePayoutFailed,
  queuePayoutPaid,
  type PayoutInfo,
} from "./email/creator-account-messages.server.ts";
import { feeRateFor } from "./fees.ts";

/** Plain-words status from what Stripe says about the account. */
export function onboardingStatusOf(account: ConnectedAccountInfo): OnboardingStatus {
  const due = [...account.currentlyDue, ...account.pastDue];
  const disabledReason = account.disabledReason ?? "";
  if (account.chargesEnabled && account.payoutsEnabled) return "ACTIVE";
  if (!account.detailsSubmitted) return "DETAILS_NEEDED";
  if (due.length) return account.chargesEnabled ? "DETAILS_NEEDED" : "RESTRICTED";
  if (/under_review|pending_verification/.test(disabledReason)) return "UNDER_REVIEW";
  if (disabledReason) return "RESTRICTED";
  return "UNDER_REVIEW";
}

/** Stores what Stripe says about a connected account, unless a newer update was already stored. */
export async function syncConnectedAccount(
  tx: Tx,
  account: ConnectedAccountInfo,
  options: { actor: AuditActor; observedAt: Date },
) {
  // Locked: two events' syncs compare with what the other stored, so a new set of requirements is emailed once.
  await tx.$executeRaw`SELECT 1 FROM "creator_accounts" WHERE "stripeAccountId" = ${account.id} FOR UPDATE`;
  const creator = await tx.creatorAccount.findUnique({ where: { stripeAccountId: account.id } });
  if (!creator) return null;
  if (creator.stripeStatusAt && creator.stripeStatusAt > options.observedAt) return creator;
  const status = onboardingStatusOf(account);
  const requirementsDue = [...new Set([...account.pastDue, ...account.currentlyDue])];
  const updated = await tx.creatorAccount.update({
    where: { id: creator.id },
    data: {
      onboardingStatus: status,
      chargesEnabled: account.chargesEnabled,
      payoutsEnabled: account.payoutsEnabled,
      detailsSubmitted: account.detailsSubmitted,
      requirementsDue,
      disabledReason: account.disabledReason,
      stripeStatusAt: options.observedAt,
    },
  });
  if (
    creator.onboardingStatus !== status ||
    creator.chargesEnabled !== updated.chargesEnabled ||
    creator.payoutsEnabled !== updated.payoutsEnabled
  ) {
    await audit(tx, {
      actor: options.actor,
      action: "creator.stripe_status_changed",
      entityType: "creator_account",
      entityId: creator.id,
      data: { from: creator.onboardingStatus, to: status, chargesEnabled: updated.chargesEnabled, requirementsDue },
    });
  }
  // Stripe asks for more once the creator has been through onboarding: one email when something new is asked for, not
  // one per event, nor when the creator has sent part of it. Before the first submission (a new account lists
  // everything as past due) the onboarding page says what is missing, so nothing asked then counts as asked by email.
  const askedBefore = creator.detailsSubmitted ? creator.requirementsDue : [];
  if (account.detailsSubmitted && requirementsDue.some((item) => !askedBefore.includes(item)))
    await queueDetailsNeeded(tx, {
      creatorId: creator.id,
      requirements: requirementsDue,
      pastDue: account.pastDue.length > 0,
      chargesEnabled: account.chargesEnabled,
      payoutsEnabled: account.payoutsEnabled,
      observedAt: options.observedAt,
    });
  return updated;
}

/**
 * Stripe reported a payout on a creator's connected account (`payout.paid`, `payout.failed`): the creator is told,
 * once per payout and outcome. A payout that failed after it was reported paid gets no "paid" email any more if the
 * failure came first. Accounts that are not our creators' are ignored.
 */
export async function notePayout(input: { accountId: string; outcome: "paid" | "failed"; payout: PayoutInfo }) {
  return transaction(async (tx) => {
    const creator = await tx.creatorAccount.findUnique({
      where: { stripeAccountId: input.accountId },
      select: { id: true },
    });
    if (!creator) return null;
    const queue = input.outcome === "paid" ? queuePayoutPaid : queuePayoutFailed;
    return queue(tx, { creatorId: creator.id, payout: input.payout });
  });
}

/**
 * Stripe said a connected account changed (`account.updated`). Events arrive in any order and carry one-second
 * timestamps, so the account's current state is read from Stripe instead of trusting the payload: a late, older event
 * can't overwrite a newer status. Accounts that are not one of our creators' (another platform's, or deleted) are
 * ignored.
 */
export async function syncConnectedAccountFromStripe(accountId: string, options: { actor: AuditActor }) {
  if (!(await db().creatorAccount.count({ where: { stripeAccountId: accountId } }))) return null;
  const account = await retrieveAccount(accountId);
  const observedAt = new Date();
  return transaction((tx) => syncConnectedAccount(tx, account, { actor: options.actor, observedAt }));
}

/**
 * Starts (or resumes) Express onboarding: one Stripe account per creator, created with an idempotency key derived
 * from the creator, then a fresh account link. Returns the URL to send the creator to.
 */
export async function startOnboarding(input: { userId: string; appUrl: string; actor: AuditActor }) {
  const creator = await db().creatorAccount.findUniqueOrThrow({
    where: { userId: input.userId },
    include: { user: { select: { email: true } } },
  });
  let accountId = creator.stripeAccountId;
  if (!accountId) {
    const account = await createExpressAccount({
      userId: input.userId,
      email: creator.user.email,
      country: creator.country,
      idempotencyKey: `connect-account-${creator.id}`,
    });
    accountId = account.id;
    await transaction(async (tx) => {
      // Two tabs may race here; the idempotency key made them the same Stripe account, so either write is right.
      await tx.creatorAccount.update({ where: { id: creator.id }, data: { stripeAccountId: account.id } });
      await audit(tx, {
        actor: input.actor,
        action: "creator.stripe_account_created",
        entityType: "creator_account",
        entityId: creator.id,
        data: { stripeAccountId: account.id },
      });
      await syncConnectedAccount(tx, account, { actor: input.actor, observedAt: new Date() });
    });
  }
  const link = await createOnboardingLink({
    accountId,
    refreshUrl: `${input.appUrl}/creator/onboarding/refresh`,
    returnUrl: `${input.appUrl}/creator/onboarding/return`,
  });
  return link.url;
}

/** Re-reads the account from Stripe (return from onboarding) and stores its status. */
export async function refreshFromStripe(input: { userId: string; actor: AuditActor }) {
  const creator = await db().creatorAccount.findUniqueOrThrow({ where: { userId: input.userId } });
  if (!creator.stripeAccountId) return creator;
  const account = await retrieveAccount(creator.stripeAccountId);
  return transaction(
    async (tx) => (await syncConnectedAccount(tx, account, { actor: input.actor, observedAt: new Date() })) ?? creator,
  );
}

/** The creator's lifetime net sales in USD minor units (gross − refunds), from the daily rollups. */
export async function lifetimeNetSalesUsd(tx: Tx, creatorId: string) {
  const sums = await tx.dailyRevenue.aggregate({
    where: { creatorId, currency: "usd" },
    _sum: { grossAmount: true, refundedAmount: true },
  });
  return (sums._sum.grossAmount ?? 0) - (sums._sum.refundedAmount ?? 0);
}

/** The platform fee rate that applies to this creator's next sale. */
export async function currentFeeRate(
  tx: Tx,
  creator: { id: string; feeOverrideBps: number | null; isPartner: boolean },
) {
  const { FEE_TIERS, PLATFORM_FEE_PERCENT } = env();
  const lifetimeNetSales =
    FEE_TIERS === "on" && creator.feeOverrideBps === null && !creator.isPartner
      ? await lifetimeNetSalesUsd(tx, creator.id)
      : null;
  return feeRateFor({ ...creator, lifetimeNetSales, defaultPercent: PLATFORM_FEE_PERCENT });
}
