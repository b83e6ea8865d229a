import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import {
  FilterBar,
  FilteredTable,
  FilterInput,
  firstErrors,
  numeric,
  PageHeader,
  td,
} from "#app/components/staff-ui.tsx";
import { AUDIT_CSV_MAX_ROWS, auditSearchSchema, searchAuditLog } from "#app/domain/audit-log.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Audit log · Staff console · Makers Market" }];

const FILTERS = ["actor", "action", "entityType", "entityId", "from", "to"] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const parsed = auditSearchSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success)
    return data(
      { errors: firstErrors(parsed.error.flatten().fieldErrors), result: null, exportCap: AUDIT_CSV_MAX_ROWS },
      { status: 400 },
    );
  return { errors: null, result: await searchAuditLog(parsed.data), exportCap: AUDIT_CSV_MAX_ROWS };
}

const ACTOR_TONES = {
  USER: "bg-brand-50 text-brand-700",
  STRIPE: "bg-indigo-50 text-indigo-700",
  SYSTEM: "bg-slate-100 text-slate-700",
} as const;

type AuditEntry = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["result"]>["rows"][number];

/** One entry of the log, a table row. */
function AuditRow({ row }: { row: AuditEntry }) {
  return (
    <tr data-testid="audit-row">
      <td className={`${td} font-mono text-xs text-slate-600`}>
        {/* The day above the time: the column stays narrow enough for the table to fit a laptop screen. */}
        <time dateTime={row.createdAt}>
          {row.createdAt.slice(0, 10)}
          <br />
          {row.createdAt.slice(11, 19)}
        </time>
      </td>
      <td className={td}>
        <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${ACTOR_TONES[row.actorType]}`}>
          {row.actorType.toLowerCase()}
        </span>{" "}
        <span className="text-xs text-slate-600">{row.actor?.email ?? row.actorId ?? ""}</span>
        {row.ip ? <div className="text-xs text-slate-400">{row.ip}</div> : null}
      </td>
      <td className={`${td} font-mono text-xs font-semibold`}>{row.action}</td>
      <td className={`${td} text-xs`}>
        <div>{row.entityType}</div>
        <div className="max-w-[11rem] whitespace-normal break-all font-mono text-slate-500">{row.entityId}</div>
      </td>
      <td className={`${td} text-xs`}>
        {row.orderId ? (
          <Link to={`/staff/orders/${row.orderId}`} className="link font-mono">
            {row.orderId.slice(0, 10)}…
          </Link>
        ) : (
          <span className="text-slate-400">—</span>
        )}
      </td>
      <td className={`${td} text-right tabular-nums`}>
        {row.amount !== null && row.currency ? formatMoney(row.amount, row.currency) : (row.amount ?? "—")}
      </td>
      <td className={`${td} font-mono text-xs text-slate-500`} title={row.data ?? undefined}>
        <div className="w-40 truncate">{row.data ?? ""}</div>
      </td>
    </tr>
  );
}

export default function StaffAudit() {
  const { errors, result, exportCap } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const exportParams = new URLSearchParams();
  for (const key of FILTERS) {
    const value = params.get(key);
    if (value) exportParams.set(key, value);
  }
  const filtered = exportParams.size > 0;
  const csvHref = `/staff/audit.csv${filtered ? `?${exportParams}` : ""}`;
  return (
    <div>
      <PageHeader
        title="Audit log"
        description="Every change to money or access, newest first. The log is append-only."
        back={{ to: "/staff", label: "Staff console" }}
        actions={
          <a href={csvHref} className="btn-secondary" download data-testid="csv-export">
            Export CSV
          </a>
        }
      />
      <FilterBar
        label="Filter the audit log"
        columns={3}
        submitLabel="Filter"
        clearTo="/staff/audit"
        filtered={filtered}
        note={
          <span className="text-xs text-slate-500">
            The CSV export uses these filters and holds at most {exportCap.toLocaleString("en-US")} rows.
          </span>
        }
      >
        <FilterInput label="Actor" name="actor" errors={errors} placeholder="staff email, stripe or system" />
        <FilterInput label="Action" name="action" errors={errors} placeholder="refund. (prefix)" />
        <FilterInput label="Entity type" name="entityType" errors={errors} placeholder="order, entitlement…" />
        <FilterInput label="Entity id" name="entityId" errors={errors} />
        <FilterInput label="From" name="from" errors={errors} type="date" />
        <FilterInput label="To" name="to" errors={errors} type="date" />
      </FilterBar>

      <FilteredTable
        result={result}
        rows={(found) => found.rows}
        empty={{
          title: filtered ? "No audit entries match these filters" : "The audit log is empty",
          text: filtered ? "Try a shorter action prefix or a wider date range." : null,
        }}
        summary={(found) => `${found.total.toLocaleString("en-US")} ${found.total === 1 ? "entry" : "entries"}`}
        summaryTestId="audit-count"
        label="Audit log"
        columns={["Time (UTC)", "Actor", "Action", "Entity", "Order", numeric("Amount"), "Data"]}
      >
        {(row) => <AuditRow key={row.id} row={row} />}
      </FilteredTable>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
