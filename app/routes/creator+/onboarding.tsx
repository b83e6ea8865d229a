// POST: start or resume Stripe Express onboarding and go to Stripe's hosted page.
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { startOnboarding } from "#app/domain/creators.server.ts";
import { redirectAfterStripeStep } from "#app/routes/creator+/stripe-step.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { env } from "#app/utils/env.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  return redirectAfterStripeStep(
    () => startOnboarding({ userId: user.id, appUrl: env().APP_URL, actor: actorFromRequest(request, user.id) }),
    303,
  );
}

export function loader() {
  return redirect("/creator");
}
