import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { numeric, PageHeader, StaffTable, StatusBadge, statusWords, td } from "#app/components/staff-ui.tsx";
import { formatMoney } from "#app/domain/money.ts";
import { listDisputes } from "#app/domain/staff-orders.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDate, formatDateTime } from "#app/utils/format.ts";
import { pageFrom } from "#app/utils/paging.ts";

export const meta: MetaFunction = () => [{ title: "Disputes · Staff console · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  return listDisputes(pageFrom(new URL(request.url).searchParams));
}

type Row = Awaited<ReturnType<typeof listDisputes>>["open"][number];

function DisputeTable({ rows, label, open }: { rows: Row[]; label: string; open: boolean }) {
  return (
    <StaffTable
      label={label}
      columns={[
        open ? "Evidence due" : "Closed",
        numeric("Amount"),
        "Order",
        "Creator",
        "Reason",
        "Outcome",
        open ? null : numeric("Recovered"),
      ]}
    >
      {rows.map((dispute) => (
        <tr key={dispute.id} data-testid={open ? "open-dispute" : "closed-dispute"}>
          <td className={td}>{open ? formatDate(dispute.evidenceDueBy) : formatDateTime(dispute.closedAt)}</td>
          <td className={`${td} text-right tabular-nums`}>{formatMoney(dispute.amount, dispute.currency)}</td>
          <td className={td}>
            <Link to={`/staff/orders/${dispute.order.id}`} className="link">
              #{dispute.order.number}
            </Link>
          </td>
          <td className={td}>{dispute.order.creator.displayName}</td>
          <td className={td}>{statusWords(dispute.reason)}</td>
          <td className={td}>
            <StatusBadge status={dispute.outcome} />
          </td>
          {open ? null : (
            <td className={`${td} text-right tabular-nums`}>
              {dispute.outcome === "LOST" ? formatMoney(dispute.recoveredAmount, dispute.currency) : "—"}
            </td>
          )}
        </tr>
      ))}
    </StaffTable>
  );
}

export default function StaffDisputes() {
  const { open, closed, openCount, closedCount, page, pageCount } = useLoaderData<typeof loader>();
  return (
    <div>
      <PageHeader
        title="Disputes"
        description={`${openCount} open · ${closedCount} closed. Open disputes come first, soonest evidence deadline first.`}
        back={{ to: "/staff", label: "Staff console" }}
      />
      {openCount + closedCount === 0 ? (
        <EmptyState title="No disputes">Chargebacks appear here when Stripe reports them.</EmptyState>
      ) : (
        <>
          {open.length ? (
            <section className="mb-8">
              <h2 className="mb-3 text-lg font-semibold">Open</h2>
              <DisputeTable rows={open} label="Open disputes" open />
            </section>
          ) : null}
          {closed.length ? (
            <section>
              <h2 className="mb-3 text-lg font-semibold">Closed</h2>
              <DisputeTable rows={closed} label="Closed disputes" open={false} />
            </section>
          ) : null}
          <Pagination page={page} pageCount={pageCount} />
        </>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
