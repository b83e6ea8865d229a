// POST: start or resume Stripe Express onboarding and go to Stripe's hosted page.
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { startOnboarding } from "#app/domain/creators.server.ts";
import { studioErrorCode } from "#app/domain/stripe-errors.server.ts";
import { studioErrorUrl } from "#app/domain/studio-errors.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { env } from "#app/utils/env.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  try {
    const url = await startOnboarding({
      userId: user.id,
      appUrl: env().APP_URL,
      actor: actorFromRequest(request, user.id),
    });
    return redirect(url, 303);
  } catch (error) {
    const code = studioErrorCode(error);
    if (code) return redirect(studioErrorUrl(code), 303);
    throw error;
  }
}

export function loader() {
  return redirect("/creator");
}
