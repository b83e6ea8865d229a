import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { priceText } from "#app/components/product-card.tsx";
import { z } from "zod";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { confirmCheckout } from "#app/domain/checkout.server.ts";
import { MEMBERSHIP_STATUS_WORDS } from "#app/domain/memberships.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDate } from "#app/utils/format.ts";

export const meta: MetaFunction = () => [{ title: "Thank you · Makers Market" }];

const querySchema = z.object({ session_id: z.string().regex(/^cs_[A-Za-z0-9_]+$/) });

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const parsed = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new Response("That checkout link is not valid.", { status: 404 });
  const sessionId = parsed.data.session_id;

  const confirmation = await confirmCheckout({
    buyerId: user.id,
    sessionId,
    actor: actorFromRequest(request, user.id),
  });
  if (confirmation.state === "not_found") throw new Response("We couldn't find that purchase.", { status: 404 });
  if (confirmation.state === "processing") return { state: "processing" as const, order: null, membership: null };
  if (confirmation.state === "member") {
    const { membership } = confirmation;
    if (!membership) throw new Response("We couldn't find that membership.", { status: 404 });
    return {
      state: "member" as const,
      order: null,
      membership: {
        productTitle: membership.product.title,
        productSlug: membership.product.slug,
        creator: membership.product.creator.displayName,
        status: membership.status,
        statusText: MEMBERSHIP_STATUS_WORDS[membership.status],
        amount: membership.amount,
        currency: membership.currency,
        interval: membership.interval,
        trialEndsAt: membership.status === "TRIALING" ? membership.trialEndsAt : null,
        nextChargeAt: membership.currentPeriodEnd,
        firstInvoice: membership.orders.at(-1)?.number ?? null,
      },
    };
  }
  return {
    state: "paid" as const,
    membership: null,
    order: confirmation.order,
  };
}

const longDate = (iso: string | Date) => formatDate(iso, "long");

function Checkmark() {
  return (
    <div
      aria-hidden
      className="mx-auto grid h-12 w-12 place-items-center rounded-full bg-emerald-100 text-2xl text-emerald-700"
    >
      ✓
    </div>
  );
}

function MembershipWelcome() {
  const membership = useLoaderData<typeof loader>().membership!;
  const price = priceText(membership, "/");
  return (
    <div className="mx-auto max-w-lg">
      <div className="card text-center" data-testid="membership-confirmation">
        <Checkmark />
        <h1 className="mt-4 text-2xl font-bold">Welcome — you're a member of {membership.productTitle}</h1>
        <p className="mt-2 text-slate-600">by {membership.creator}</p>
        <dl className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200 text-left text-sm">
          <div className="flex justify-between gap-4 px-4 py-3">
            <dt className="text-slate-500">Plan</dt>
            <dd className="font-medium">{price}</dd>
          </div>
          {membership.status !== "TRIALING" && membership.status !== "ACTIVE" ? (
            <div className="flex justify-between gap-4 px-4 py-3">
              <dt className="text-slate-500">Status</dt>
              <dd className="font-medium">{membership.statusText}</dd>
            </div>
          ) : null}
          {membership.trialEndsAt ? (
            <div className="flex justify-between gap-4 px-4 py-3" data-testid="membership-trial-end">
              <dt className="text-slate-500">Free trial until</dt>
              <dd className="font-medium">{longDate(membership.trialEndsAt)}</dd>
            </div>
          ) : membership.nextChargeAt ? (
            <div className="flex justify-between gap-4 px-4 py-3" data-testid="membership-next-charge">
              <dt className="text-slate-500">Next charge</dt>
              <dd className="font-medium">
                {formatMoney(membership.amount, membership.currency)} on {longDate(membership.nextChargeAt)}
              </dd>
            </div>
          ) : null}
        </dl>
        <p className="mt-4 text-sm text-slate-500">
          {membership.trialEndsAt
            ? `Your first charge of ${formatMoney(membership.amount, membership.currency)} is when the trial ends — cancel before then from your library and you pay nothing.`
            : "Your receipts and billing are in your library. Cancel anytime."}
        </p>
        <div className="mt-6 flex justify-center gap-3">
          <Link to="/library" className="btn-primary">
            Go to your library
          </Link>
          {membership.firstInvoice ? (
            <Link to={`/library/orders/${membership.firstInvoice}`} className="btn-secondary">
              View receipt
            </Link>
          ) : null}
        </div>
      </div>
    </div>
  );
}

export default function CheckoutSuccess() {
  const { state, order, membership } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  useEffect(() => {
    if (state !== "processing") return;
    const timer = setTimeout(() => revalidator.revalidate(), 2000);
    return () => clearTimeout(timer);
  }, [state, revalidator]);

  if (state === "member" && membership) return <MembershipWelcome />;
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
        <Checkmark />
        <h1 className="mt-4 text-2xl font-bold">Thank you for your purchase!</h1>
        <p className="mt-2 text-slate-600">
          Order <strong data-testid="order-number">#{order.number}</strong>
          {order.receipt ? (
            <span data-testid="receipt-note">
              {" "}
              · {order.receipt.sent ? "receipt sent to" : "a receipt is on its way to"}{" "}
              <span className="break-all">{order.receipt.to}</span>
            </span>
          ) : null}
        </p>
        <ul className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200 text-left">
          {order.items.map((item, index) => (
            <li key={index} className="flex justify-between px-4 py-3 text-sm">
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

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
