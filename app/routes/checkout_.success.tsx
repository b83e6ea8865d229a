import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { attemptIdOf, fulfillCheckoutSession } from "#app/domain/fulfillment.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { orderForCheckoutSession } from "#app/domain/orders.server.ts";
import { retrieveCheckoutSession } from "#app/stripe/checkout.server.ts";
import { Stripe } from "#app/stripe/client.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { db } from "#app/utils/db.server.ts";

export const meta: MetaFunction = () => [{ title: "Thank you · Makers Market" }];

const querySchema = z.object({ session_id: z.string().regex(/^cs_[A-Za-z0-9_]+$/) });

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const parsed = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new Response("That checkout link is not valid.", { status: 404 });
  const sessionId = parsed.data.session_id;

  let order = await orderForCheckoutSession({ buyerId: user.id, sessionId });
  if (!order) {
    // The webhook has not arrived yet: ask Stripe, and fulfill through the same idempotent path.
    const session = await retrieveCheckoutSession(sessionId).catch((error) => {
      if (error instanceof Stripe.errors.StripeInvalidRequestError) return null; // no such session
      throw error;
    });
    const attemptId = session ? attemptIdOf(session) : null;
    const attempt = attemptId ? await db().checkoutAttempt.findUnique({ where: { id: attemptId } }) : null;
    if (!session || !attempt || attempt.buyerId !== user.id)
      throw new Response("We couldn't find that purchase.", { status: 404 });
    const result = await fulfillCheckoutSession(session, { actor: actorFromRequest(request, user.id) });
    if (result.status === "not_paid") return { state: "processing" as const, order: null };
    order = await orderForCheckoutSession({ buyerId: user.id, sessionId });
  }
  if (!order) throw new Response("We couldn't find that purchase.", { status: 404 });
  return {
    state: "paid" as const,
    order: {
      number: order.number,
      totalAmount: order.totalAmount,
      currency: order.currency,
      email: order.buyerEmail,
      items: order.items.map((item) => ({ id: item.id, title: item.productTitle, amount: item.amount })),
    },
  };
}

export default function CheckoutSuccess() {
  const { state, order } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  useEffect(() => {
    if (state !== "processing") return;
    const timer = setTimeout(() => revalidator.revalidate(), 2000);
    return () => clearTimeout(timer);
  }, [state, revalidator]);

  if (state === "processing" || !order)
    return (
      <div className="card mx-auto max-w-lg text-center" aria-live="polite">
        <h1 className="text-2xl font-bold">Confirming your payment…</h1>
        <p className="mt-3 text-slate-600">This page updates by itself in a few seconds.</p>
      </div>
    );
  return (
    <div className="mx-auto max-w-lg">
      <div className="card text-center" data-testid="order-confirmation">
        <div aria-hidden className="mx-auto grid h-12 w-12 place-items-center rounded-full bg-emerald-100 text-2xl text-emerald-700">
          ✓
        </div>
        <h1 className="mt-4 text-2xl font-bold">Thank you for your purchase!</h1>
        <p className="mt-2 text-slate-600">
          Order <strong data-testid="order-number">#{order.number}</strong> · receipt sent to {order.email}
        </p>
        <ul className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200 text-left">
          {order.items.map((item) => (
            <li key={item.id} className="flex justify-between px-4 py-3 text-sm">
              <span className="font-medium">{item.title}</span>
              <span>{formatMoney(item.amount, order.currency)}</span>
            </li>
          ))}
          <li className="flex justify-between px-4 py-3 text-sm font-semibold">
            <span>Total paid</span>
            <span data-testid="order-total">{formatMoney(order.totalAmount, order.currency)}</span>
          </li>
        </ul>
        <div className="mt-6 flex justify-center gap-3">
          <Link to="/library" className="btn-primary">
            Go to your library
          </Link>
          <Link to={`/library/orders/${order.number}`} className="btn-secondary">
            View receipt
          </Link>
        </div>
      </div>
    </div>
  );
}
