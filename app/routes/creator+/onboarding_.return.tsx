// Stripe sends the creator back here after onboarding: re-read the account and store its status.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { refreshFromStripe } from "#app/domain/creators.server.ts";
import { studioErrorCode } from "#app/domain/stripe-errors.server.ts";
import { studioErrorUrl } from "#app/domain/studio-errors.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  try {
    await refreshFromStripe({ userId: user.id, actor: actorFromRequest(request, user.id) });
    return redirect("/creator?onboarding=returned");
  } catch (error) {
    const code = studioErrorCode(error);
    if (code) return redirect(studioErrorUrl(code));
    throw error;
  }
}
