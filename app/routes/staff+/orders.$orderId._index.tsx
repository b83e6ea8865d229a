import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { numeric, PageHeader, StaffTable, StatusBadge, statusWords, td } from "#app/components/staff-ui.tsx";
import { formatMoney } from "#app/domain/money.ts";
import { isRefundReason, REFUND_REASONS } from "#app/domain/refund-reasons.ts";
import { staffOrderDetail } from "#app/domain/staff-orders.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatBps, formatDate, formatDateTime } from "#app/utils/format.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? `Order #${data.order.number} · Staff console · Makers Market`
      : "Order · Staff console · Makers Market",
  },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const detail = params.orderId ? await staffOrderDetail(params.orderId) : null;
  if (!detail) throw new Response("We couldn't find that order.", { status: 404 });
  return detail;
}

/** A titled part of the page; with `none`, a section counting 0 says that instead of showing its children. */
function Section({
  title,
  count,
  none,
  children,
  testId,
}: {
  title: string;
  count?: number;
  none?: string;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="mt-8" data-testid={testId}>
      <h2 className="mb-3 text-lg font-semibold">
        {title}
        {count !== undefined ? <span className="ml-2 text-sm font-normal text-slate-500">{count}</span> : null}
      </h2>
      {count === 0 && none ? <None>{none}</None> : children}
    </section>
  );
}

function None({ children }: { children: ReactNode }) {
  return (
    <p className="rounded-xl border border-dashed border-slate-300 bg-white px-4 py-6 text-center text-sm text-slate-500">
      {children}
    </p>
  );
}

export default function StaffOrder() {
  const { order, timeline, refundableAmount, canRefund, recoverableDisputeIds } = useLoaderData<typeof loader>();
  const money = (amount: number) => formatMoney(amount, order.currency);
  const amounts: { label: string; value: string; key: string; strong?: boolean }[] = [
    { key: "gross", label: "Gross", value: money(order.totalAmount), strong: true },
    { key: "application-fee", label: "Application fee", value: money(order.applicationFeeAmount) },
    { key: "creator-share", label: "Creator share", value: money(order.creatorAmount) },
    {
      key: "stripe-fee",
      label: "Stripe fee",
      value: order.stripeFeeAmount === null ? "—" : money(order.stripeFeeAmount),
    },
    { key: "refunded", label: "Refunded so far", value: money(order.refundedAmount) },
    { key: "refundable", label: "Refundable remainder", value: money(refundableAmount), strong: true },
  ];
  return (
    <div>
      <PageHeader
        back={{ to: "/staff/orders", label: "Orders" }}
        title={`Order #${order.number}`}
        description={
          <>
            Paid {formatDateTime(order.paidAt)} · {order.currency.toUpperCase()} ·{" "}
            <span className="font-mono text-xs">{order.id}</span>
          </>
        }
        actions={
          <>
            <StatusBadge status={order.status} />
            {canRefund ? (
              <Link to={`/staff/orders/${order.id}/refund`} className="btn-primary">
                Refund…
              </Link>
            ) : null}
          </>
        }
      />

      <div className="grid gap-4 lg:grid-cols-3">
        <div className="card" data-testid="buyer">
          <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Buyer</h2>
          <p className="mt-2 font-medium">{order.buyer.name}</p>
          <p className="break-all text-sm text-slate-600">{order.buyer.email}</p>
          {order.buyerEmail.toLowerCase() !== order.buyer.email.toLowerCase() ? (
            <p className="mt-1 break-all text-xs text-slate-500">Receipt sent to {order.buyerEmail}</p>
          ) : null}
        </div>
        <div className="card" data-testid="creator">
          <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Creator</h2>
          <p className="mt-2 font-medium">{order.creator.displayName}</p>
          <p className="text-sm text-slate-600">/{order.creator.slug}</p>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-500">
            <span className="break-all font-mono">{order.creator.stripeAccountId ?? "no Stripe account"}</span>
            <StatusBadge status={order.creator.onboardingStatus} />
          </p>
        </div>
        <div className="card" data-testid="stripe-ids">
          <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Stripe</h2>
          <dl className="mt-2 space-y-1 text-xs">
            {[
              ["Payment intent", order.stripePaymentIntentId],
              ["Charge", order.stripeChargeId],
              ...(order.membership
                ? [
                    ["Subscription", order.membership.stripeSubscriptionId],
                    ["Invoice", order.stripeInvoiceId],
                  ]
                : [["Checkout session", order.stripeCheckoutSessionId]]),
              ["Transfer", order.stripeTransferId],
            ].map(([label, value]) => (
              <div key={label} className="flex flex-wrap gap-x-2">
                <dt className="text-slate-500">{label}</dt>
                <dd className="break-all font-mono">{value ?? "—"}</dd>
              </div>
            ))}
          </dl>
        </div>
      </div>

      <Section title="Amounts">
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="amounts">
          {amounts.map((amount) => (
            <div key={amount.key} className="card p-4" data-testid={`amount-${amount.key}`}>
              <dt className="text-xs text-slate-500">{amount.label}</dt>
              <dd className={`mt-1 tabular-nums ${amount.strong ? "text-lg font-semibold" : "text-base"}`}>
                {amount.value}
              </dd>
            </div>
          ))}
        </dl>
      </Section>

      <Section title="Items" count={order.items.length}>
        <StaffTable
          label="Items"
          columns={["Product", numeric("Unit amount"), numeric("Qty"), numeric("Fee"), numeric("Fee rate")]}
        >
          {order.items.map((item) => (
            <tr key={item.id}>
              <td className={td}>{item.productTitle}</td>
              <td className={`${td} text-right tabular-nums`}>{formatMoney(item.unitAmount, item.currency)}</td>
              <td className={`${td} text-right tabular-nums`}>{item.quantity}</td>
              <td className={`${td} text-right tabular-nums`}>
                {formatMoney(item.applicationFeeAmount, item.currency)}
              </td>
              <td className={`${td} text-right tabular-nums`}>
                {item.feeBps} bps <span className="text-slate-500">({formatBps(item.feeBps, 2)})</span>
              </td>
            </tr>
          ))}
        </StaffTable>
      </Section>

      <Section
        title="Access"
        count={order.membership ? 1 : order.entitlements.length}
        none="No entitlements were granted for this order."
      >
        {order.membership ? (
          <p className="card flex flex-wrap items-center justify-between gap-2 text-sm" data-testid="membership-access">
            <span>
              Membership invoice ({statusWords(order.billingReason ?? "invoice")}): access follows the{" "}
              {order.membership.interval === "YEAR" ? "yearly" : "monthly"} membership, now{" "}
              <StatusBadge status={order.membership.status} />. A refund of this invoice doesn't end it.
            </span>
            {order.membership.entitlement ? <StatusBadge status={order.membership.entitlement.status} /> : null}
          </p>
        ) : (
          <ul className="card divide-y divide-slate-100 p-0">
            {order.entitlements.map((entitlement) => (
              <li
                key={entitlement.id}
                className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-sm"
                data-testid="entitlement"
              >
                <span>{entitlement.product.title}</span>
                <span className="flex items-center gap-2">
                  {entitlement.statusReason ? (
                    <span className="text-xs text-slate-500">{entitlement.statusReason}</span>
                  ) : null}
                  <StatusBadge status={entitlement.status} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title="Refunds" count={order.refunds.length} none="No refunds.">
        <StaffTable
          label="Refunds"
          columns={[
            "Created",
            numeric("Amount"),
            "Status",
            "Reason",
            numeric("Transfer reversal"),
            numeric("Fee refund"),
          ]}
        >
          {order.refunds.map((refund) => (
            <tr key={refund.id} data-testid="refund-row">
              <td className={td}>{formatDateTime(refund.createdAt)}</td>
              <td className={`${td} text-right tabular-nums`}>{formatMoney(refund.amount, refund.currency)}</td>
              <td className={td}>
                <StatusBadge status={refund.status} />
                {refund.failureReason ? <div className="text-xs text-red-700">{refund.failureReason}</div> : null}
              </td>
              <td className={`${td} whitespace-normal`}>
                {isRefundReason(refund.reason) ? REFUND_REASONS[refund.reason] : refund.reason}
                {refund.staffNote ? (
                  <div className="text-xs text-slate-500" data-testid="refund-staff-note">
                    Staff note: {refund.staffNote}
                  </div>
                ) : null}
              </td>
              <td className={`${td} text-right tabular-nums`}>
                {formatMoney(refund.transferReversalAmount, refund.currency)}
              </td>
              <td className={`${td} text-right tabular-nums`}>
                {formatMoney(refund.applicationFeeRefundAmount, refund.currency)}
              </td>
            </tr>
          ))}
        </StaffTable>
      </Section>

      <Section title="Disputes" count={order.disputes.length} none="No disputes.">
        <StaffTable
          label="Disputes"
          columns={["Opened", numeric("Amount"), "Reason", "Outcome", "Evidence due", numeric("Recovered"), ""]}
        >
          {order.disputes.map((dispute) => (
            <tr key={dispute.id} data-testid="dispute-row">
              <td className={td}>{formatDateTime(dispute.createdAt)}</td>
              <td className={`${td} text-right tabular-nums`}>{formatMoney(dispute.amount, dispute.currency)}</td>
              <td className={td}>{statusWords(dispute.reason)}</td>
              <td className={td}>
                <StatusBadge status={dispute.outcome} />
              </td>
              <td className={td}>{formatDate(dispute.evidenceDueBy)}</td>
              <td className={`${td} text-right tabular-nums`}>
                {formatMoney(dispute.recoveredAmount, dispute.currency)}
              </td>
              <td className={td}>
                {recoverableDisputeIds.includes(dispute.id) ? (
                  <Link to={`/staff/disputes/${dispute.id}/recover`} className="btn-secondary py-1">
                    Recover from creator…
                  </Link>
                ) : null}
              </td>
            </tr>
          ))}
        </StaffTable>
      </Section>

      <Section title="Refund requests" count={order.refundRequests.length} none="The buyer hasn't asked for a refund.">
        <ul className="card divide-y divide-slate-100 p-0">
          {order.refundRequests.map((request) => (
            <li key={request.id} className="px-4 py-3 text-sm" data-testid="refund-request">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="text-slate-500">{formatDateTime(request.createdAt)}</span>
                <StatusBadge status={request.status} />
              </div>
              <p className="mt-1">{request.reason}</p>
              {request.staffMessage ? <p className="mt-1 text-slate-600">Staff: {request.staffMessage}</p> : null}
            </li>
          ))}
        </ul>
      </Section>

      <Section title="Timeline" count={timeline.length} testId="timeline" none="Nothing recorded yet.">
        <ol className="card space-y-0 p-0">
          {timeline.map((entry) => (
            <li
              key={entry.key}
              className="flex gap-3 border-b border-slate-100 px-4 py-3 last:border-b-0"
              data-testid="timeline-entry"
            >
              <span
                aria-hidden
                className={`mt-1.5 h-2.5 w-2.5 flex-none rounded-full ${entry.source === "stripe" ? "bg-indigo-500" : entry.actorType === "USER" ? "bg-brand-600" : "bg-slate-400"}`}
              />
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                  <span className="font-mono text-sm font-semibold">{entry.title}</span>
                  <time className="text-xs text-slate-500" dateTime={entry.at}>
                    {formatDateTime(entry.at, { seconds: true })}
                  </time>
                </div>
                <p className="break-all text-xs text-slate-600">
                  {entry.actorLabel}
                  {entry.amount !== null && entry.currency ? ` · ${formatMoney(entry.amount, entry.currency)}` : ""}
                </p>
                {entry.detail ? <p className="mt-0.5 break-all text-xs text-slate-500">{entry.detail}</p> : null}
              </div>
            </li>
          ))}
        </ol>
      </Section>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
