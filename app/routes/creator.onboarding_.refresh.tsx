// Stripe sends the creator here when an onboarding link expired or was used: make a fresh one.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { startOnboarding } from "#app/domain/creators.server.ts";
import { friendlyStripeError, isStripeError } from "#app/stripe/client.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { env } from "#app/utils/env.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  try {
    return redirect(await startOnboarding({ userId: user.id, appUrl: env().APP_URL, actor: actorFromRequest(request, user.id) }));
  } catch (error) {
    if (isStripeError(error)) return redirect(`/creator?${new URLSearchParams({ error: friendlyStripeError(error) })}`);
    throw error;
  }
}
