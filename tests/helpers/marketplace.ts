// Building marketplace state through the same domain functions the app uses.
import { refreshFromStripe, startOnboarding } from "#app/domain/creators.server.ts";
import type Stripe from "stripe";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { ensureMembershipStripePrices } from "#app/domain/memberships.server.ts";
import { db } from "#app/utils/db.server.ts";
import { controls } from "./stripe.ts";
import { createUser } from "./requests.ts";

let sequence = 0;

/** A creator who finished Express onboarding on the emulator (charges and payouts enabled). */
export async function onboardedCreator(stripeUrl: string, options: { mode?: "complete" | "incomplete" } = {}) {
  const { user, password } = await createUser({ role: "CREATOR" });
  const creator = await db().creatorAccount.create({
    data: { userId: user.id, displayName: `${user.name}'s shop`, slug: `shop-${user.id}` },
  });
  await startOnboarding({ userId: user.id, appUrl: "http://localhost:3000", actor: SYSTEM_ACTOR });
  const withAccount = await db().creatorAccount.findUniqueOrThrow({ where: { id: creator.id } });
  await controls.completeOnboarding(stripeUrl, withAccount.stripeAccountId!, options.mode ?? "complete");
  const refreshed = await refreshFromStripe({ userId: user.id, actor: SYSTEM_ACTOR });
  return { user, password, creator: refreshed };
}

export async function publishedProduct(
  creatorId: string,
  price: { amount: number; currency: string } = { amount: 2000, currency: "usd" },
) {
  sequence += 1;
  return db().product.create({
    data: {
      creatorId,
      title: `Product ${sequence}`,
      slug: `product-${sequence}-${Date.now()}`,
      published: true,
      publishedAt: new Date(),
      prices: { create: price },
    },
    include: { prices: true },
  });
}

/**
 * `buyer` buys `productId` through Checkout on the emulator, paying with the test card as a person would, and every
 * webhook is delivered before this returns.
 */
export async function buyThroughCheckout(
  stripe: { url: string; settle(): Promise<void> },
  buyer: { id: string; email: string; stripeCustomerId?: string | null },
  productId: string,
) {
  const { url } = await startCheckout({ buyer, productId, appUrl: "http://localhost:3000", actor: SYSTEM_ACTOR });
  await controls.payCheckoutSession(stripe.url, /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!);
  await stripe.settle();
}

/** A published membership with monthly and/or yearly prices, its Stripe product and prices created as the app does. */
export async function publishedMembership(
  creatorId: string,
  options: { monthly?: number; yearly?: number; currency?: string; trialDays?: number | null } = {},
) {
  sequence += 1;
  const currency = options.currency ?? "usd";
  const prices = [
    ...(options.monthly !== 0 ? [{ amount: options.monthly ?? 1000, currency, interval: "MONTH" as const }] : []),
    ...(options.yearly ? [{ amount: options.yearly, currency, interval: "YEAR" as const }] : []),
  ];
  const product = await db().product.create({
    data: {
      creatorId,
      kind: "MEMBERSHIP",
      title: `Membership ${sequence}`,
      slug: `membership-${sequence}-${Date.now()}`,
      trialDays: options.trialDays ?? null,
      published: true,
      publishedAt: new Date(),
      prices: { create: prices },
    },
  });
  return ensureMembershipStripePrices(product.id);
}

/** A buyer whose Stripe customer follows a test clock frozen at `frozenTime` (so the test can move their time). */
export async function buyerOnTestClock(stripe: Stripe, frozenTime = Math.floor(Date.now() / 1000)) {
  const { user, password } = await createUser();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozenTime, name: user.email });
  const customer = await stripe.customers.create({ email: user.email, test_clock: clock.id });
  await db().user.update({ where: { id: user.id }, data: { stripeCustomerId: customer.id } });
  return { user, password, clock, customer };
}
