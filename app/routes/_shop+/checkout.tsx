import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { productSlugFor } from "#app/domain/catalog.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { emptyToUndefined } from "#app/domain/day-range.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { getUser } from "#app/utils/auth.server.ts";
import { env } from "#app/utils/env.server.ts";
import { parseForm } from "#app/utils/forms.server.ts";

const buySchema = z.object({
  productId: z.string().trim().min(1).max(64),
  // Memberships only: the plan chosen on the product page (checkout picks monthly when absent).
  interval: z.preprocess(emptyToUndefined, z.enum(["MONTH", "YEAR"]).optional()),
});

// No redirect here: after a refused "Buy", Remix runs this loader to render the action's error on this page.
export async function loader(_: LoaderFunctionArgs) {
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const parsed = parseForm(await request.formData(), buySchema);
  if (!parsed.ok) {
    const error = parsed.fieldErrors.interval ? "Choose a monthly or yearly plan." : "Choose a product to buy.";
    return data({ error, productSlug: null }, { status: 400 });
  }
  const { productId, interval } = parsed.data;
  const user = await getUser(request);
  const productSlug = await productSlugFor(productId);
  if (!user) {
    const back = productSlug ? `/p/${productSlug}` : "/";
    throw redirect(`/login?${new URLSearchParams({ redirectTo: back })}`);
  }
  try {
    const checkout = await startCheckout({
      buyer: user,
      productId,
      interval,
      appUrl: env().APP_URL,
      actor: actorFromRequest(request, user.id),
    });
    return redirect(checkout.url, 303);
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message, productSlug }), { stripeStatus: 502 });
  }
}

export default function CheckoutProblem() {
  const actionData = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-lg py-10 text-center" data-testid="checkout-error">
      <h1 className="text-2xl font-bold">We couldn't start checkout</h1>
      <p className="mt-3 text-slate-600" role="alert">
        {actionData?.error ?? "Please go back to the product and try again."}
      </p>
      <div className="mt-6 flex justify-center gap-3">
        {actionData?.productSlug ? (
          <Link to={`/p/${actionData.productSlug}`} className="btn-secondary">
            Back to the product
          </Link>
        ) : null}
        <Link to="/library" className="btn-primary">
          Go to your library
        </Link>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
