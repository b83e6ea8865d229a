// The platform's revenue dashboard for staff: marketplace totals per currency from the platform rollup, a daily chart,
// membership figures across all creators (MRR, estimated platform fee MRR, members, trial conversion, churn), and every
// creator's sales and fees for the range (sortable, paginated, one currency at a time).
import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useLocation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import {
  DashboardTable,
  Figure,
  MembershipFigures,
  PageHeading,
  RangePicker,
  SalesByCurrency,
} from "#app/components/dashboard.tsx";
import { parseRange } from "#app/domain/day-range.ts";
import { CREATOR_SORTS, platformDashboard, type CreatorSort } from "#app/domain/platform-revenue.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { STATUS_WORDS } from "#app/domain/onboarding-status.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatBps } from "#app/utils/format.ts";
import { pageFrom } from "#app/utils/paging.ts";

export const meta: MetaFunction = () => [{ title: "Platform revenue · Staff console · Makers Market" }];

const tableQuery = z.object({
  sort: z.enum(CREATOR_SORTS).catch("gross"),
  dir: z.enum(["asc", "desc"]).catch("desc"),
  currency: z
    .string()
    .regex(/^[a-z]{3}$/)
    .optional()
    .catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const params = new URL(request.url).searchParams;
  const parsed = parseRange(params);
  const page = pageFrom(params);
  const table = tableQuery.parse(Object.fromEntries(params));
  const dashboard = await platformDashboard({
    range: parsed.range,
    sort: table.sort,
    direction: table.dir,
    page,
    currency: table.currency,
  });
  return data(
    { dashboard, rangeErrors: parsed.ok ? null : parsed.errors, rangeValues: parsed.ok ? null : parsed.values },
    { status: parsed.ok ? 200 : 400 },
  );
}

const SORT_LABELS: Record<CreatorSort, string> = {
  name: "Creator",
  orders: "Orders",
  gross: "Sales",
  fees: "Fees",
  rate: "Fee rate",
  refunds: "Refunds",
};

const SALES_FIGURES = [
  { label: "GMV", hint: "Gross sales by every creator", total: "gross", testId: "gmv" },
  { label: "Fee revenue", hint: "Application fees net of fee refunds", total: "fees", testId: "fee-revenue" },
  {
    label: "Stripe fees",
    hint: "Processing fees from the charges' balance transactions",
    total: "stripeFees",
    testId: "stripe-fees",
    below: "change, rise is bad",
  },
  { label: "Orders", total: "orders", testId: "orders" },
  { label: "Refunds", total: "refunds", testId: "refunds", below: "refund count" },
  { label: "Disputes", total: "disputes", testId: "disputes", below: "dispute count" },
  { label: "Dispute losses", total: "disputeLosses", testId: "dispute-losses", below: "nothing" },
] as const;

export default function PlatformDashboardPage() {
  const { dashboard, rangeErrors, rangeValues } = useLoaderData<typeof loader>();
  const { range, creators } = dashboard;
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const hrefWith = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes))
      if (v === null) next.delete(k);
      else next.set(k, v);
    return `${location.pathname}?${next}`;
  };
  const csvHref = `/staff/dashboard.csv${location.search || `?range=${range.preset}`}`;
  return (
    <div className="space-y-6">
      <PageHeading trail={{ to: "/staff", label: "Staff console" }} here="Revenue" title="Platform revenue">
        <a href={csvHref} className="btn-secondary" download>
          Download creators (CSV)
        </a>
      </PageHeading>
      <RangePicker range={range} errors={rangeErrors} values={rangeValues} keep={["currency", "sort", "dir"]} />

      <dl className="grid grid-cols-2 gap-3 sm:max-w-md">
        <Figure
          label="Active creators"
          hint="Creators with at least one sale in the range"
          value={dashboard.activeCreators.toLocaleString("en-US")}
          testId="active-creators"
        />
        <Figure
          label="New buyers"
          hint="Buyers whose first order was in the range"
          value={dashboard.newBuyers.toLocaleString("en-US")}
          testId="new-buyers"
        />
      </dl>

      <SalesByCurrency
        currencies={dashboard.currencies}
        figures={SALES_FIGURES}
        extra={({ currency, newBuyers, previousNewBuyers }) => ({
          label: "New buyers",
          hint: `Buyers whose first order was in ${currency.toUpperCase()} in this range`,
          count: newBuyers,
          previous: previousNewBuyers,
        })}
        heading={(currency) => currency}
        idPrefix="platform"
        chart={{ label: "GMV", total: "gross" }}
        empty={<EmptyState title="No sales in this range">Choose a longer range.</EmptyState>}
      />

      <MembershipFigures
        memberships={dashboard.memberships}
        platform
        empty={
          <EmptyState title="No memberships yet">
            Creators earn recurring revenue once they add a membership product and members join.
          </EmptyState>
        }
      />

      <section className="card" aria-labelledby="creators-heading">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="creators-heading" className="text-lg font-semibold">
            Creators{" "}
            <span className="text-sm font-normal text-slate-500">
              ({creators.total.toLocaleString("en-US")} with activity in {creators.currency.toUpperCase()})
            </span>
          </h2>
          {dashboard.currencies.length > 1 ? (
            <nav aria-label="Currency of the creators table" className="flex flex-wrap gap-1">
              {dashboard.currencies.map(({ currency }) => (
                <Link
                  key={currency}
                  to={hrefWith({ currency, page: null })}
                  aria-current={currency === creators.currency ? "true" : undefined}
                  className={`rounded-md px-2.5 py-1 text-xs font-semibold ${currency === creators.currency ? "bg-slate-900 text-white" : "bg-slate-100 text-slate-700 hover:bg-slate-200"}`}
                >
                  {currency.toUpperCase()}
                </Link>
              ))}
            </nav>
          ) : null}
        </div>
        {creators.rows.length === 0 ? (
          <p className="mt-3 text-sm text-slate-600">No creator sold anything in this range.</p>
        ) : (
          <DashboardTable
            testId="creators-table"
            className="min-w-[40rem]"
            head={
              <>
                {(["name", "orders", "gross", "fees", "rate", "refunds"] as const).map((key) => {
                  const active = creators.sort === key;
                  const nextDir = active && creators.direction === "desc" ? "asc" : "desc";
                  return (
                    <th
                      key={key}
                      scope="col"
                      className={`py-2 pr-3 font-medium ${key === "name" ? "" : "text-right"}`}
                      aria-sort={active ? (creators.direction === "asc" ? "ascending" : "descending") : undefined}
                    >
                      <Link to={hrefWith({ sort: key, dir: nextDir, page: null })} className="hover:text-slate-900">
                        {SORT_LABELS[key]}
                        {active ? <span aria-hidden> {creators.direction === "asc" ? "↑" : "↓"}</span> : null}
                      </Link>
                    </th>
                  );
                })}
                <th scope="col" className="py-2 font-medium">
                  Status
                </th>
              </>
            }
          >
            {creators.rows.map((row) => (
              <tr key={row.creatorId} className="border-t border-slate-100">
                <th scope="row" className="py-1.5 pr-3 font-medium">
                  <Link to={`/c/${row.slug}`} className="link">
                    {row.displayName}
                  </Link>
                </th>
                <td className="py-1.5 pr-3 text-right tabular-nums">{row.orders.toLocaleString("en-US")}</td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{formatMoney(row.gross, creators.currency)}</td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{formatMoney(row.fees, creators.currency)}</td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{formatBps(row.rateBps, 2)}</td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{formatMoney(row.refunds, creators.currency)}</td>
                <td className="whitespace-nowrap py-1.5">
                  {STATUS_WORDS[row.status as keyof typeof STATUS_WORDS]?.label ?? row.status}
                </td>
              </tr>
            ))}
          </DashboardTable>
        )}
        <Pagination page={creators.page} pageCount={creators.pageCount} />
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
