// The creator's revenue dashboard: figures per currency for a date range (from the daily rollups), a daily chart,
// membership figures (MRR, members, trial conversion, churn), top products, recent orders and refunds, and the Stripe
// balance and payouts of their connected account.
import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState } from "#app/components/forms.tsx";
import { Change, Figure, MembershipFigures, RangePicker, RevenueChart } from "#app/components/dashboard.tsx";
import { creatorRevenue } from "#app/domain/creator-revenue.server.ts";
import { parseRange } from "#app/domain/day-range.ts";
import { formatMoney } from "#app/domain/money.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDay, percentChange } from "#app/utils/format.ts";

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

export default function CreatorDashboardPage() {
  const { creator, dashboard, stripe, rangeErrors, rangeValues } = useLoaderData<typeof loader>();
  const { range } = dashboard;
  const location = useLocation();
  const csvHref = `/creator/dashboard.csv${location.search || `?range=${range.preset}`}`;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <p className="text-sm text-slate-500">
            <Link to="/creator" className="link">
              Creator studio
            </Link>{" "}
            / Revenue
          </p>
          <h1 className="text-2xl font-bold">Revenue</h1>
          <p className="mt-1 text-sm text-slate-600">{creator.displayName}</p>
        </div>
        <a href={csvHref} className="btn-secondary" download>
          Download sales (CSV)
        </a>
      </div>

      <RangePicker
        preset={range.preset}
        from={range.from}
        to={range.to}
        errors={rangeErrors ?? undefined}
        values={rangeValues ?? undefined}
      />

      {dashboard.currencies.length === 0 ? (
        <EmptyState title="No sales in this range">
          Choose a longer range, or share your shop page to make your first sale.
        </EmptyState>
      ) : (
        dashboard.currencies.map(({ currency, current, previous, series }) => {
          const money = (n: number) => formatMoney(n, currency);
          const upper = currency.toUpperCase();
          return (
            <section
              key={currency}
              className="card space-y-5"
              aria-labelledby={`sales-${currency}`}
              data-testid={`currency-${currency}`}
            >
              <h2 id={`sales-${currency}`} className="text-lg font-semibold">
                Sales in {upper}
              </h2>
              <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
                <Figure
                  label="Gross sales"
                  value={money(current.gross)}
                  testId={`gross-${currency}`}
                  change={<Change value={percentChange(current.gross, previous?.gross)} />}
                />
                <Figure
                  label="Net revenue"
                  hint="Gross sales minus platform fees, refunds and lost disputes"
                  value={money(current.net)}
                  testId={`net-${currency}`}
                  change={<Change value={percentChange(current.net, previous?.net)} />}
                />
                <Figure
                  label="Orders"
                  value={current.orders.toLocaleString("en-US")}
                  testId={`orders-${currency}`}
                  change={<Change value={percentChange(current.orders, previous?.orders)} />}
                />
                <Figure
                  label="Average order"
                  value={money(current.averageOrder)}
                  testId={`aov-${currency}`}
                  change={<Change value={percentChange(current.averageOrder, previous?.averageOrder)} />}
                />
                <Figure
                  label="Platform fees"
                  value={money(current.fees)}
                  testId={`fees-${currency}`}
                  change={<Change value={percentChange(current.fees, previous?.fees)} invert />}
                />
                <Figure
                  label="Refunds"
                  value={money(current.refunds)}
                  testId={`refunds-${currency}`}
                  change={
                    <span className="text-xs text-slate-500">
                      {current.refundCount} refund{current.refundCount === 1 ? "" : "s"}
                    </span>
                  }
                />
                <Figure
                  label="Disputes"
                  value={money(current.disputes)}
                  testId={`disputes-${currency}`}
                  change={<span className="text-xs text-slate-500">{current.disputeCount} opened</span>}
                />
                <Figure
                  label="Lost to disputes"
                  value={money(current.disputeLosses)}
                  testId={`dispute-losses-${currency}`}
                />
              </dl>
              <RevenueChart
                currency={currency}
                valueLabel="Net revenue"
                series={series.map((p) => ({ day: p.day, value: p.net, orders: p.orders }))}
              />
            </section>
          );
        })
      )}

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
        <section className="card min-w-0" aria-labelledby="balance-heading" data-testid="balance-card">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h2 id="balance-heading" className="text-lg font-semibold">
              Balance and payouts
            </h2>
            {stripe.status === "ok" ? (
              <Form method="post" action="/creator/stripe-dashboard">
                <button type="submit" className="btn-secondary">
                  Open Stripe dashboard
                </button>
              </Form>
            ) : null}
          </div>
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
        </section>

        <section className="card min-w-0" aria-labelledby="top-heading">
          <h2 id="top-heading" className="text-lg font-semibold">
            Top products
          </h2>
          {dashboard.topProducts.length === 0 ? (
            <p className="mt-3 text-sm text-slate-600">No sales in this range.</p>
          ) : (
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
          )}
        </section>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <section className="card min-w-0" aria-labelledby="recent-heading">
          <h2 id="recent-heading" className="text-lg font-semibold">
            Recent orders
          </h2>
          {dashboard.recentOrders.length === 0 ? (
            <p className="mt-3 text-sm text-slate-600">No orders in this range.</p>
          ) : (
            <div className="mt-3 overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="recent-orders">
                <thead className="text-slate-500">
                  <tr>
                    <th scope="col" className="py-1 pr-3 font-medium">
                      Order
                    </th>
                    <th scope="col" className="hidden py-1 pr-3 font-medium sm:table-cell">
                      Product
                    </th>
                    <th scope="col" className="py-1 pr-3 font-medium">
                      Date
                    </th>
                    <th scope="col" className="py-1 text-right font-medium">
                      Total
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {dashboard.recentOrders.map((o) => (
                    <tr key={o.number} className="border-t border-slate-100">
                      <td className="py-1.5 pr-3 tabular-nums">#{o.number}</td>
                      <td className="hidden max-w-[12rem] truncate py-1.5 pr-3 sm:table-cell">
                        {o.productTitle ?? "—"}
                      </td>
                      <td className="whitespace-nowrap py-1.5 pr-3">
                        {formatDay(o.paidAt, { month: "short", day: "numeric" })}
                      </td>
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
                </tbody>
              </table>
            </div>
          )}
        </section>

        <section className="card min-w-0" aria-labelledby="refunds-heading">
          <h2 id="refunds-heading" className="text-lg font-semibold">
            Refunds
          </h2>
          {dashboard.refunds.length === 0 ? (
            <p className="mt-3 text-sm text-slate-600">No refunds in this range.</p>
          ) : (
            <ul className="mt-3 divide-y divide-slate-100 text-sm" data-testid="refund-list">
              {dashboard.refunds.map((r) => (
                <li key={r.key} className="flex justify-between gap-3 py-1.5">
                  <span>
                    Order #{r.orderNumber} · {formatDay(r.createdAt, { month: "short", day: "numeric" })} ·{" "}
                    <span className="text-slate-500">{r.status.toLowerCase()}</span>
                  </span>
                  <span className="tabular-nums">{formatMoney(r.amount, r.currency)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}

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
