import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Notice } from "#app/components/forms.tsx";
import { formatMoney } from "#app/domain/money.ts";
import { buyerReceipt, parseOrderNumber } from "#app/domain/orders.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDate, formatDateTime } from "#app/utils/format.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Receipt #${data.order.number} · Makers Market` : "Receipt · Makers Market" },
];

/** The receipt's view model only: everything a loader returns reaches the browser, shown or not. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const orderNumber = parseOrderNumber(params.number);
  const order = orderNumber === null ? null : await buyerReceipt({ buyerId: user.id, orderNumber });
  if (!order) throw new Response("We couldn't find that receipt.", { status: 404 });
  return { order };
}

export default function Receipt() {
  const { order } = useLoaderData<typeof loader>();
  const money = (amount: number) => formatMoney(amount, order.currency);
  const [searchParams] = useSearchParams();
  const request = order.refundRequest;
  return (
    <div className="mx-auto max-w-xl">
      <Link to="/library" className="text-sm text-slate-500 hover:text-slate-900">
        ← Library
      </Link>
      <div className="card mt-3" data-testid="receipt">
        <div className="flex items-start justify-between">
          <div>
            <h1 className="text-xl font-bold">Receipt #{order.number}</h1>
            <p className="text-sm text-slate-500">{formatDateTime(order.paidAt, { dateStyle: "long" })}</p>
          </div>
          <span className="rounded-full bg-slate-100 px-3 py-1 text-xs font-semibold uppercase text-slate-700">
            {order.status.replace(/_/g, " ").toLowerCase()}
          </span>
        </div>
        <dl className="mt-4 grid grid-cols-2 gap-2 text-sm">
          <dt className="text-slate-500">Sold by</dt>
          <dd>{order.creator}</dd>
          <dt className="text-slate-500">Receipt email</dt>
          <dd>{order.buyerEmail}</dd>
          <dt className="text-slate-500">Currency</dt>
          <dd>{order.currency.toUpperCase()}</dd>
        </dl>
        <table className="mt-6 w-full text-sm">
          <tbody className="divide-y divide-slate-200">
            {order.items.map((item, index) => (
              <tr key={index}>
                <td className="py-2">{item.title}</td>
                <td className="py-2 text-right">{money(item.amount)}</td>
              </tr>
            ))}
            <tr className="font-semibold">
              <td className="py-2">Total paid</td>
              <td className="py-2 text-right">{money(order.totalAmount)}</td>
            </tr>
            {order.refunds.map((refund, index) => (
              <tr key={index} className="text-slate-600">
                <td className="py-2">
                  Refund · {refund.status.toLowerCase()} · {formatDate(refund.createdAt, "numeric")}
                </td>
                <td className="py-2 text-right">−{money(refund.amount)}</td>
              </tr>
            ))}
            {order.refundedAmount > 0 ? (
              <tr className="font-semibold">
                <td className="py-2">Net paid</td>
                <td className="py-2 text-right">{money(order.totalAmount - order.refundedAmount)}</td>
              </tr>
            ) : null}
          </tbody>
        </table>
        <div className="mt-6 space-y-3 border-t border-slate-200 pt-4 text-sm" data-testid="refund-request-status">
          {searchParams.get("requested") ? (
            <Notice tone="success">Thanks — your request was sent to our team.</Notice>
          ) : null}
          {request?.status === "OPEN" ? <p className="text-slate-600">Your refund request is being reviewed.</p> : null}
          {request?.status === "DECLINED" ? (
            <p className="text-slate-600">
              Your refund request was declined{request.message ? `: “${request.message}”` : "."}
            </p>
          ) : null}
          {request?.status === "APPROVED" ? <p className="text-slate-600">Your refund request was approved.</p> : null}
          {order.canRequestRefund ? (
            <Link to={`/library/orders/${order.number}/refund`} className="link">
              Request a refund
            </Link>
          ) : null}
        </div>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
