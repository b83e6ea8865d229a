import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { cancelCheckout } from "#app/domain/checkout.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Checkout canceled · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const parsed = z.object({ attempt: z.string().min(1).max(64) }).safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const attempt = parsed.success
    ? await cancelCheckout({ buyerId: user.id, attemptId: parsed.data.attempt, actor: actorFromRequest(request, user.id) })
    : null;
  return { product: attempt?.product ?? null };
}

export default function CheckoutCanceled() {
  const { product } = useLoaderData<typeof loader>();
  return (
    <div className="card mx-auto max-w-lg text-center" data-testid="checkout-canceled">
      <h1 className="text-2xl font-bold">Checkout canceled</h1>
      <p className="mt-3 text-slate-600">You weren't charged. {product ? `"${product.title}" is still available.` : ""}</p>
      <div className="mt-6 flex justify-center gap-3">
        {product ? (
          <Link to={`/p/${product.slug}`} className="btn-primary">
            Back to the product
          </Link>
        ) : null}
        <Link to="/" className="btn-secondary">
          Keep browsing
        </Link>
      </div>
    </div>
  );
}
