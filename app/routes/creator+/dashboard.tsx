// The creator's revenue dashboard: figures per currency for a date range (from the daily rollups), a daily chart,
// membership figures (MRR, members, trial conversion, churn), top products, recent orders and refunds, and the Stripe
// balance and payouts of their connected account.
import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState } from "#app/components/forms.tsx";
import {
  DashboardCard,
  DashboardTable,
  Figure,
  MembershipFigures,
  PageHeading,
  RangePicker,
  SalesByCurrency,
} from "#app/components/dashboard.tsx";
import { creatorRevenue } from "#app/domain/creator-revenue.server.ts";
import { parseRange } from "#app/domain/day-range.ts";
import { formatMoney } from "#app/domain/money.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDay } from "#app/utils/format.ts";

export const meta: MetaFunction = () => [{ title: "Revenue · Creator studio · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const parsed = parseRange(new URL(request.url).searchParams);
  const revenue = await creatorRevenue({ userId: user.id, range: parsed.range });
  if (!revenue) throw new Response("Your creator account is missing. Please contact support.", { status: 404 });
  const payload = {
    ...revenue,
    rangeErrors: parsed.ok ? null : parsed.errors,
    rangeValues: parsed.ok ? null : parsed.values,
  };
  return data(payload, { status: parsed.ok ? 200 : 400 });
}

const SALES_FIGURES = [
  { label: "Gross sales", total: "gross", testId: "gross" },
  {
    label: "Net revenue",
    hint: "Gross sales minus platform fees, refunds and lost disputes",
    total: "net",
    testId: "net",
  },
  { label: "Orders", total: "orders", testId: "orders" },
  { label: "Average order", total: "averageOrder", testId: "aov" },
  { label: "Platform fees", total: "fees", testId: "fees", below: "change, rise is bad" },
  { label: "Refunds", total: "refunds", testId: "refunds", below: "refund count" },
  { label: "Disputes", total: "disputes", testId: "disputes", below: "dispute count" },
  { label: "Lost to disputes", total: "disputeLosses", testId: "dispute-losses", below: "nothing" },
] as const;

const shortDay = (day: string) => formatDay(day, { month: "short", day: "numeric" });

export default function CreatorDashboardPage() {
  const { creator, dashboard, stripe, rangeErrors, rangeValues } = useLoaderData<typeof loader>();
  const { range } = dashboard;
  const location = useLocation();
  const csvHref = `/creator/dashboard.csv${location.search || `?range=${range.preset}`}`;
  return (
    <div className="space-y-6">
      <PageHeading
        trail={{ to: "/creator", label: "Creator studio" }}
        here="Revenue"
        title="Revenue"
        subtitle={creator.displayName}
      >
        <a href={csvHref} className="btn-secondary" download>
          Download sales (CSV)
        </a>
      </PageHeading>

      <RangePicker range={range} errors={rangeErrors} values={rangeValues} />

      <SalesByCurrency
        currencies={dashboard.currencies}
        figures={SALES_FIGURES}
        heading={(currency) => `Sales in ${currency}`}
        idPrefix="sales"
        chart={{ label: "Net revenue", total: "net" }}
        empty={
          <EmptyState title="No sales in this range">
            Choose a longer range, or share your shop page to make your first sale.
          </EmptyState>
        }
      />

      <MembershipFigures
        memberships={dashboard.memberships}
        empty={
          dashboard.memberships.hasMembershipProduct ? (
            <EmptyState title="No members yet">
              Share your membership's page: members and trials show up here as they join.
            </EmptyState>
          ) : (
            <EmptyState title="No memberships yet">
              <Link to="/creator/products/new" className="link">
                Add a membership product
              </Link>{" "}
              to earn recurring revenue.
            </EmptyState>
          )
        }
      />

      <div className="grid gap-6 lg:grid-cols-2">
        <DashboardCard
          id="balance-heading"
          title="Balance and payouts"
          testId="balance-card"
          actions={
            stripe.status === "ok" ? (
              <Form method="post" action="/creator/stripe-dashboard">
                <button type="submit" className="btn-secondary">
                  Open Stripe dashboard
                </button>
              </Form>
            ) : null
          }
        >
          {stripe.status === "not_connected" ? (
            <p className="mt-3 text-sm text-slate-600">
              Connect Stripe in the{" "}
              <Link to="/creator" className="link">
                creator studio
              </Link>{" "}
              to see your balance and payouts.
            </p>
          ) : stripe.status === "unavailable" ? (
            <p className="mt-3 text-sm text-slate-600" data-testid="balance-unavailable">
              We couldn't reach Stripe just now, so your balance and payouts aren't shown. Your sales figures above are
              up to date; try again in a minute.
            </p>
          ) : (
            <>
              <dl className="mt-3 grid grid-cols-2 gap-3">
                <Figure label="Available" value={<Amounts list={stripe.available} />} testId="balance-available" />
                <Figure label="Pending" value={<Amounts list={stripe.pending} />} testId="balance-pending" />
              </dl>
              <h3 className="mt-4 text-sm font-semibold text-slate-700">Payouts</h3>
              {stripe.payouts.length === 0 ? (
                <p className="mt-1 text-sm text-slate-600">
                  No payouts yet. Stripe pays your available balance out on your payout schedule.
                </p>
              ) : (
                <ul className="mt-1 divide-y divide-slate-100 text-sm">
                  {stripe.payouts.map((p) => (
                    <li key={p.id} className="flex justify-between py-1.5">
                      <span>
                        {formatDay(p.arrivalDate)} ·{" "}
                        <span className="text-slate-500">{p.status.replace("_", " ")}</span>
                      </span>
                      <span className="tabular-nums">{formatMoney(p.amount, p.currency)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </DashboardCard>

        <DashboardCard
          id="top-heading"
          title="Top products"
          items={dashboard.topProducts}
          empty="No sales in this range."
        >
          <ol className="mt-3 divide-y divide-slate-100 text-sm" data-testid="top-products">
            {dashboard.topProducts.map((p) => (
              <li key={`${p.productId}-${p.currency}`} className="flex justify-between gap-3 py-1.5">
                <span className="truncate">{p.title}</span>
                <span className="shrink-0 tabular-nums text-slate-600">
                  {p.orders} × · {formatMoney(p.gross, p.currency)}
                </span>
              </li>
            ))}
          </ol>
        </DashboardCard>

        <DashboardCard
          id="recent-heading"
          title="Recent orders"
          items={dashboard.recentOrders}
          empty="No orders in this range."
        >
          <DashboardTable
            testId="recent-orders"
            head={RECENT_ORDER_COLUMNS.map(([label, place]) => (
              <th key={label} scope="col" className={`py-1 font-medium ${place}`}>
                {label}
              </th>
            ))}
          >
            {dashboard.recentOrders.map((o) => (
              <tr key={o.number} className="border-t border-slate-100">
                <td className="py-1.5 pr-3 tabular-nums">#{o.number}</td>
                <td className="hidden max-w-[12rem] truncate py-1.5 pr-3 sm:table-cell">{o.productTitle ?? "—"}</td>
                <td className="whitespace-nowrap py-1.5 pr-3">{shortDay(o.paidAt)}</td>
                <td className="py-1.5 text-right tabular-nums">
                  {formatMoney(o.totalAmount, o.currency)}
                  {o.refundedAmount > 0 ? (
                    <span className="block text-xs text-red-700">
                      −{formatMoney(o.refundedAmount, o.currency)} refunded
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </DashboardTable>
        </DashboardCard>

        <DashboardCard id="refunds-heading" title="Refunds" items={dashboard.refunds} empty="No refunds in this range.">
          <ul className="mt-3 divide-y divide-slate-100 text-sm" data-testid="refund-list">
            {dashboard.refunds.map((r) => (
              <li key={r.key} className="flex justify-between gap-3 py-1.5">
                <span>
                  Order #{r.orderNumber} · {shortDay(r.createdAt)} ·{" "}
                  <span className="text-slate-500">{r.status.toLowerCase()}</span>
                </span>
                <span className="tabular-nums">{formatMoney(r.amount, r.currency)}</span>
              </li>
            ))}
          </ul>
        </DashboardCard>
      </div>
    </div>
  );
}

/** The recent orders table's column headings, and where each sits (the product is hidden on phones). */
const RECENT_ORDER_COLUMNS = [
  ["Order", "pr-3"],
  ["Product", "hidden pr-3 sm:table-cell"],
  ["Date", "pr-3"],
  ["Total", "text-right"],
] as const;

function Amounts({ list }: { list: { amount: number; currency: string }[] }) {
  if (list.length === 0) return <>—</>;
  return (
    <span className="flex flex-col">
      {list.map((b) => (
        <span key={b.currency}>{formatMoney(b.amount, b.currency)}</span>
      ))}
    </span>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
