// POST: a one-time login link to the creator's Stripe Express dashboard.
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { createDashboardLink } from "#app/stripe/connect.server.ts";
import { studioErrorFor, studioErrorUrl } from "#app/domain/studio-errors.ts";
import { isStripeError } from "#app/stripe/client.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { db } from "#app/utils/db.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const creator = await db().creatorAccount.findUnique({ where: { userId: user.id } });
  if (!creator?.stripeAccountId || creator.onboardingStatus === "NOT_STARTED")
    return redirect(studioErrorUrl("stripe_not_connected"), 303);
  try {
    const link = await createDashboardLink(creator.stripeAccountId);
    return redirect(link.url, 303);
  } catch (error) {
    if (isStripeError(error)) return redirect(studioErrorUrl(studioErrorFor(error)), 303);
    throw error;
  }
}

export function loader() {
  return redirect("/creator");
}
