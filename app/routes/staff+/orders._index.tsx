import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import {
  FilterBar,
  FilteredTable,
  FilterInput,
  FilterSelect,
  firstErrors,
  numeric,
  PageHeader,
  StatusBadge,
  statusWords,
  td,
} from "#app/components/staff-ui.tsx";
import { formatMoney } from "#app/domain/money.ts";
import { creatorOptions, ORDER_STATUSES, orderSearchSchema, searchOrders } from "#app/domain/staff-orders.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDateTime } from "#app/utils/format.ts";

export const meta: MetaFunction = () => [{ title: "Orders · Staff console · Makers Market" }];

const SEARCH_KIND_WORDS: Record<string, string> = {
  payment_intent: "payment intent id",
  charge: "charge id",
  checkout_session: "checkout session id",
  number: "order number",
  email: "buyer email",
  text: "creator or buyer",
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = orderSearchSchema.safeParse(params);
  const creators = await creatorOptions();
  if (!parsed.success) {
    return data(
      { errors: firstErrors(parsed.error.flatten().fieldErrors), result: null, creators, statuses: ORDER_STATUSES },
      { status: 400 },
    );
  }
  const result = await searchOrders(parsed.data);
  return { errors: null, result, creators, statuses: ORDER_STATUSES };
}

type OrderRowData = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["result"]>["orders"][number];

/** One order of the page, a table row. */
function OrderRow({ order }: { order: OrderRowData }) {
  return (
    <tr className="hover:bg-slate-50" data-testid="order-row">
      <td className={td}>
        <Link to={`/staff/orders/${order.id}`} className="link">
          #{order.number}
        </Link>
      </td>
      <td className={`${td} text-slate-600`}>{formatDateTime(order.paidAt)}</td>
      <td className={td}>
        <div>{order.buyer.name}</div>
        <div className="text-xs text-slate-500">{order.buyerEmail}</div>
      </td>
      <td className={td}>{order.creator.displayName}</td>
      <td className={`${td} text-slate-600`}>
        <div className="max-w-[16rem] truncate">{order.items.map((item) => item.productTitle).join(", ")}</div>
      </td>
      <td className={`${td} text-right tabular-nums`}>
        {formatMoney(order.totalAmount, order.currency)}
        {order.refundedAmount > 0 ? (
          <div className="text-xs text-slate-500">−{formatMoney(order.refundedAmount, order.currency)} refunded</div>
        ) : null}
      </td>
      <td className={td}>
        <StatusBadge status={order.status} />
      </td>
    </tr>
  );
}

export default function StaffOrders() {
  const { errors, result, creators, statuses } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const q = params.get("q") ?? "";
  const filtered = ["q", "status", "creator", "from", "to"].some((key) => params.get(key));
  return (
    <div>
      <PageHeader
        title="Orders"
        description="Find an order by number, buyer email, creator, or a Stripe payment intent or charge id."
        back={{ to: "/staff", label: "Staff console" }}
      />
      <FilterBar
        label="Search orders"
        role="search"
        columns={6}
        submitLabel="Search"
        clearTo="/staff/orders"
        filtered={filtered}
        note={
          result?.searchKind ? (
            <span className="text-sm text-slate-500" data-testid="search-kind">
              Searching by {SEARCH_KIND_WORDS[result.searchKind]}
            </span>
          ) : null
        }
      >
        <div className="sm:col-span-2 lg:col-span-6">
          <FilterInput
            label="Search"
            name="q"
            errors={errors}
            type="search"
            placeholder="#1042, buyer@example.com, creator name, pi_… or ch_…"
            autoComplete="off"
          />
        </div>
        <div className="lg:col-span-2">
          <FilterSelect
            label="Status"
            name="status"
            errors={errors}
            anyLabel="Any status"
            options={statuses.map((status) => ({ value: status, label: statusWords(status) }))}
          />
        </div>
        <div className="lg:col-span-2">
          <FilterSelect
            label="Creator"
            name="creator"
            errors={errors}
            anyLabel="Every creator"
            options={creators.map((creator) => ({
              value: creator.id,
              label: `${creator.displayName} (${creator.slug})`,
            }))}
          />
        </div>
        <FilterInput label="Paid from" name="from" errors={errors} type="date" />
        <FilterInput label="Paid to" name="to" errors={errors} type="date" />
      </FilterBar>

      <FilteredTable
        result={result}
        invalidMessage={errors?.page}
        rows={(found) => found.orders}
        empty={
          filtered
            ? {
                title: `No orders match ${q ? `“${q}”` : "these filters"}`,
                text: "Check the number or id, or clear some filters.",
              }
            : { title: "No orders yet", text: "Orders appear here once buyers pay." }
        }
        summary={(found) => `${found.total} ${found.total === 1 ? "order" : "orders"}`}
        summaryTestId="order-count"
        label="Orders"
        columns={["Order", "Paid", "Buyer", "Creator", "Items", numeric("Total"), "Status"]}
      >
        {(order) => <OrderRow key={order.id} order={order} />}
      </FilteredTable>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
