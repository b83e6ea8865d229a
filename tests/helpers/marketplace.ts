// Building marketplace state through the same domain functions the app uses.
import { refreshFromStripe, startOnboarding } from "#app/domain/creators.server.ts";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
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

export async function publishedProduct(creatorId: string, price: { amount: number; currency: string } = { amount: 2000, currency: "usd" }) {
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
