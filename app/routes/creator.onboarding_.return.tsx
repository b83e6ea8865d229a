// Stripe sends the creator back here after onboarding: re-read the account and store its status.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { refreshFromStripe } from "#app/domain/creators.server.ts";
import { studioErrorFor, studioErrorUrl } from "#app/domain/studio-errors.ts";
import { isStripeError } from "#app/stripe/client.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  try {
    await refreshFromStripe({ userId: user.id, actor: actorFromRequest(request, user.id) });
    return redirect("/creator?onboarding=returned");
  } catch (error) {
    if (isStripeError(error)) return redirect(studioErrorUrl(studioErrorFor(error)));
    throw error;
  }
}
