// POST: a one-time login link to the creator's Stripe Express dashboard.
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { openStripeDashboard } from "#app/domain/creator-studio.server.ts";
import { studioErrorUrl } from "#app/domain/studio-errors.ts";
import { redirectAfterStripeStep } from "#app/routes/creator+/stripe-step.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  return redirectAfterStripeStep(
    async () => (await openStripeDashboard(user.id)) ?? studioErrorUrl("stripe_not_connected"),
    303,
  );
}

export function loader() {
  return redirect("/creator");
}
