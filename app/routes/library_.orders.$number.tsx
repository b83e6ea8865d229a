import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { Notice } from "#app/components/forms.tsx";
import { formatMoney } from "#app/domain/money.ts";
import { buyerOrder } from "#app/domain/orders.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Receipt #${data.order.number} · Makers Market` : "Receipt · Makers Market" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const orderNumber = Number(params.number);
  const order = Number.isSafeInteger(orderNumber) ? await buyerOrder({ buyerId: user.id, orderNumber }) : null;
  if (!order) throw new Response("We couldn't find that receipt.", { status: 404 });
  return { order };
}

export default function Receipt() {
  const { order } = useLoaderData<typeof loader>();
  const money = (amount: number) => formatMoney(amount, order.currency);
  const [searchParams] = useSearchParams();
  const request = order.refundRequests[0];
  const canRequest =
    order.refundedAmount < order.totalAmount && !["DISPUTED", "DISPUTE_LOST"].includes(order.status) && request?.status !== "OPEN";
  return (
    <div className="mx-auto max-w-xl">
      <Link to="/library" className="text-sm text-slate-500 hover:text-slate-900">
        ← Library
      </Link>
      <div className="card mt-3" data-testid="receipt">
        <div className="flex items-start justify-between">
          <div>
            <h1 className="text-xl font-bold">Receipt #{order.number}</h1>
            <p className="text-sm text-slate-500">
              {new Date(order.paidAt).toLocaleString("en-US", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" })} UTC
            </p>
          </div>
          <span className="rounded-full bg-slate-100 px-3 py-1 text-xs font-semibold uppercase text-slate-700">
            {order.status.replace(/_/g, " ").toLowerCase()}
          </span>
        </div>
        <dl className="mt-4 grid grid-cols-2 gap-2 text-sm">
          <dt className="text-slate-500">Sold by</dt>
          <dd>{order.creator.displayName}</dd>
          <dt className="text-slate-500">Receipt email</dt>
          <dd>{order.buyerEmail}</dd>
          <dt className="text-slate-500">Currency</dt>
          <dd>{order.currency.toUpperCase()}</dd>
        </dl>
        <table className="mt-6 w-full text-sm">
          <tbody className="divide-y divide-slate-200">
            {order.items.map((item) => (
              <tr key={item.id}>
                <td className="py-2">{item.productTitle}</td>
                <td className="py-2 text-right">{money(item.amount)}</td>
              </tr>
            ))}
            <tr className="font-semibold">
              <td className="py-2">Total paid</td>
              <td className="py-2 text-right">{money(order.totalAmount)}</td>
            </tr>
            {order.refunds.map((refund) => (
              <tr key={refund.id} className="text-slate-600">
                <td className="py-2">
                  Refund · {refund.status.toLowerCase()} · {new Date(refund.createdAt).toLocaleDateString("en-US", { timeZone: "UTC" })}
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
          {searchParams.get("requested") ? <Notice tone="success">Thanks — your request was sent to our team.</Notice> : null}
          {request?.status === "OPEN" ? <p className="text-slate-600">Your refund request is being reviewed.</p> : null}
          {request?.status === "DECLINED" ? (
            <p className="text-slate-600">
              Your refund request was declined{request.staffMessage ? `: “${request.staffMessage}”` : "."}
            </p>
          ) : null}
          {request?.status === "APPROVED" ? <p className="text-slate-600">Your refund request was approved.</p> : null}
          {canRequest ? (
            <Link to={`/library/orders/${order.number}/refund`} className="link">
              Request a refund
            </Link>
          ) : null}
        </div>
      </div>
    </div>
  );
}
