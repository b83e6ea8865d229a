import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState, FormError } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import {
  FilterField,
  firstErrors,
  PageHeader,
  StaffTable,
  StatusBadge,
  statusWords,
  td,
  th,
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
      <Form
        method="get"
        className="card grid gap-4 p-4 sm:grid-cols-2 lg:grid-cols-6"
        role="search"
        aria-label="Search orders"
      >
        <div className="sm:col-span-2 lg:col-span-6">
          <FilterField label="Search" error={errors?.q}>
            <input
              type="search"
              name="q"
              defaultValue={q}
              className="input"
              placeholder="#1042, buyer@example.com, creator name, pi_… or ch_…"
              autoComplete="off"
            />
          </FilterField>
        </div>
        <div className="lg:col-span-2">
          <FilterField label="Status" error={errors?.status}>
            <select name="status" defaultValue={params.get("status") ?? ""} className="input bg-white">
              <option value="">Any status</option>
              {statuses.map((status) => (
                <option key={status} value={status}>
                  {statusWords(status)}
                </option>
              ))}
            </select>
          </FilterField>
        </div>
        <div className="lg:col-span-2">
          <FilterField label="Creator" error={errors?.creator}>
            <select name="creator" defaultValue={params.get("creator") ?? ""} className="input bg-white">
              <option value="">Every creator</option>
              {creators.map((creator) => (
                <option key={creator.id} value={creator.id}>
                  {creator.displayName} ({creator.slug})
                </option>
              ))}
            </select>
          </FilterField>
        </div>
        <FilterField label="Paid from" error={errors?.from}>
          <input type="date" name="from" defaultValue={params.get("from") ?? ""} className="input" />
        </FilterField>
        <FilterField label="Paid to" error={errors?.to}>
          <input type="date" name="to" defaultValue={params.get("to") ?? ""} className="input" />
        </FilterField>
        <div className="flex flex-wrap items-center gap-2 sm:col-span-2 lg:col-span-6">
          <button type="submit" className="btn-primary">
            Search
          </button>
          {filtered ? (
            <Link to="/staff/orders" className="btn-secondary">
              Clear
            </Link>
          ) : null}
          {result?.searchKind ? (
            <span className="text-sm text-slate-500" data-testid="search-kind">
              Searching by {SEARCH_KIND_WORDS[result.searchKind]}
            </span>
          ) : null}
        </div>
      </Form>

      <div className="mt-6">
        {!result ? (
          <FormError message={errors?.page ?? "Please correct the highlighted filters."} />
        ) : result.orders.length === 0 ? (
          <EmptyState title={filtered ? `No orders match ${q ? `“${q}”` : "these filters"}` : "No orders yet"}>
            {filtered ? "Check the number or id, or clear some filters." : "Orders appear here once buyers pay."}
          </EmptyState>
        ) : (
          <>
            <p className="mb-2 text-sm text-slate-600" data-testid="order-count">
              {result.total} {result.total === 1 ? "order" : "orders"}
            </p>
            <StaffTable label="Orders">
              <thead className="bg-slate-50">
                <tr>
                  <th className={th}>Order</th>
                  <th className={th}>Paid</th>
                  <th className={th}>Buyer</th>
                  <th className={th}>Creator</th>
                  <th className={th}>Items</th>
                  <th className={`${th} text-right`}>Total</th>
                  <th className={th}>Status</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {result.orders.map((order) => (
                  <tr key={order.id} className="hover:bg-slate-50" data-testid="order-row">
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
                      <div className="max-w-[16rem] truncate">
                        {order.items.map((item) => item.productTitle).join(", ")}
                      </div>
                    </td>
                    <td className={`${td} text-right tabular-nums`}>
                      {formatMoney(order.totalAmount, order.currency)}
                      {order.refundedAmount > 0 ? (
                        <div className="text-xs text-slate-500">
                          −{formatMoney(order.refundedAmount, order.currency)} refunded
                        </div>
                      ) : null}
                    </td>
                    <td className={td}>
                      <StatusBadge status={order.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </StaffTable>
            <Pagination page={result.page} pageCount={result.pageCount} />
          </>
        )}
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
