// POST: a one-time login link to the creator's Stripe Express dashboard.
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { openStripeDashboard } from "#app/domain/creator-studio.server.ts";
import { studioErrorCode } from "#app/domain/stripe-errors.server.ts";
import { studioErrorUrl } from "#app/domain/studio-errors.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  try {
    const url = await openStripeDashboard(user.id);
    return redirect(url ?? studioErrorUrl("stripe_not_connected"), 303);
  } catch (error) {
    const code = studioErrorCode(error);
    if (code) return redirect(studioErrorUrl(code), 303);
    throw error;
  }
}

export function loader() {
  return redirect("/creator");
}
