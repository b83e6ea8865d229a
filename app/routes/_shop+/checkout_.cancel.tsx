// Stripe sends the buyer here with a GET when they leave Checkout. The GET only reads: it says nothing was charged and
// offers the way back. Closing the still-open Checkout Session is a write, so it happens on the POST of either button.
// A buyer who just closes the tab leaves the session open: their next "Buy" reuses it, and Stripe expires it in a day.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { cancelCheckout, findCheckoutAttempt } from "#app/domain/checkout.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "Checkout canceled · Makers Market" }];

const attemptId = z.string().trim().min(1).max(64);
const cancelForm = z.object({ attempt: attemptId, next: z.enum(["product", "browse"]).default("browse") });

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const parsed = attemptId.safeParse(new URL(request.url).searchParams.get("attempt"));
  const attempt = parsed.success ? await findCheckoutAttempt({ buyerId: user.id, attemptId: parsed.data }) : null;
  return { attemptId: attempt?.id ?? null, product: attempt?.product ?? null };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = parseForm(await request.formData(), cancelForm);
  if (!parsed.ok) return data({ error: "That checkout can't be found." }, { status: 400 });
  const attempt = await cancelCheckout({
    buyerId: user.id,
    attemptId: parsed.data.attempt,
    actor: actorFromRequest(request, user.id),
  });
  if (!attempt) throw new Response("That checkout can't be found.", { status: 404 });
  return redirect(parsed.data.next === "product" ? `/p/${attempt.product.slug}` : "/", 303);
}

export default function CheckoutCanceled() {
  const { attemptId, product } = useLoaderData<typeof loader>();
  return (
    <div className="card mx-auto max-w-lg text-center" data-testid="checkout-canceled">
      <h1 className="text-2xl font-bold">Checkout canceled</h1>
      <p className="mt-3 text-slate-600">
        You weren't charged. {product ? `"${product.title}" is still available.` : ""}
      </p>
      {attemptId && product ? (
        <Form method="post" className="mt-6 flex justify-center gap-3">
          <input type="hidden" name="attempt" value={attemptId} />
          <button type="submit" name="next" value="product" className="btn-primary">
            Back to the product
          </button>
          <button type="submit" name="next" value="browse" className="btn-secondary">
            Keep browsing
          </button>
        </Form>
      ) : (
        <div className="mt-6 flex justify-center gap-3">
          <Link to="/" className="btn-secondary">
            Keep browsing
          </Link>
        </div>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
