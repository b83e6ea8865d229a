// Stripe Connect calls: Express accounts, onboarding links, login links, balances.
import type Stripe from "stripe";
import { retryRateLimited, stripe } from "./client.server.ts";

/** What the app reads from a connected account. */
export interface ConnectedAccountInfo {
  id: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  currentlyDue: string[];
  pastDue: string[];
  disabledReason: string | null;
}

export function connectedAccountFrom(account: Stripe.Account): ConnectedAccountInfo {
  return {
    id: account.id,
    chargesEnabled: account.charges_enabled ?? false,
    payoutsEnabled: account.payouts_enabled ?? false,
    detailsSubmitted: account.details_submitted ?? false,
    currentlyDue: account.requirements?.currently_due ?? [],
    pastDue: account.requirements?.past_due ?? [],
    disabledReason: account.requirements?.disabled_reason ?? null,
  };
}

export async function createExpressAccount(input: {
  userId: string;
  email: string;
  country: string;
  idempotencyKey: string;
}): Promise<ConnectedAccountInfo> {
  const account = await retryRateLimited(() =>
    stripe().accounts.create(
      {
        type: "express",
        country: input.country,
        email: input.email,
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        metadata: { user_id: input.userId },
      },
      { idempotencyKey: input.idempotencyKey },
    ),
  );
  return connectedAccountFrom(account);
}

export async function retrieveAccount(accountId: string): Promise<ConnectedAccountInfo> {
  return connectedAccountFrom(await stripe().accounts.retrieve(accountId));
}

export function createOnboardingLink(input: { accountId: string; refreshUrl: string; returnUrl: string }) {
  return stripe().accountLinks.create({
    account: input.accountId,
    refresh_url: input.refreshUrl,
    return_url: input.returnUrl,
    type: "account_onboarding",
  });
}

export function createDashboardLink(accountId: string) {
  return stripe().accounts.createLoginLink(accountId);
}

export function retrieveConnectedBalance(accountId: string): Promise<Stripe.Balance> {
  return stripe().balance.retrieve({}, { stripeAccount: accountId });
}

/** The connected account's most recent payouts (newest first), paid and scheduled. */
export async function listConnectedPayouts(accountId: string, limit = 5): Promise<Stripe.Payout[]> {
  const page = await stripe().payouts.list({ limit }, { stripeAccount: accountId });
  return page.data;
}
