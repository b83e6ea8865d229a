// Stripe Connect calls: Express accounts, onboarding links, login links, balances.
import type Stripe from "stripe";
import { retryRateLimited, stripe } from "./client.server.ts";

export function createExpressAccount(input: { userId: string; email: string; country: string; idempotencyKey: string }) {
  return retryRateLimited(() => stripe().accounts.create(
    {
      type: "express",
      country: input.country,
      email: input.email,
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      metadata: { user_id: input.userId },
    },
    { idempotencyKey: input.idempotencyKey },
  ));
}

export function retrieveAccount(accountId: string) {
  return stripe().accounts.retrieve(accountId);
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
