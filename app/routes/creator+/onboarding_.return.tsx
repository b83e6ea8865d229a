// Stripe sends the creator back here after onboarding: re-read the account and store its status.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { refreshFromStripe } from "#app/domain/creators.server.ts";
import { redirectAfterStripeStep } from "#app/routes/creator+/stripe-step.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  return redirectAfterStripeStep(async () => {
    await refreshFromStripe({ userId: user.id, actor: actorFromRequest(request, user.id) });
    return "/creator?onboarding=returned";
  });
}
