import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState, FormError } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { FilterField, firstErrors, PageHeader, StaffTable, td, th } from "#app/components/staff-ui.tsx";
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
      <Form
        method="get"
        className="card grid gap-4 p-4 sm:grid-cols-2 lg:grid-cols-3"
        aria-label="Filter the audit log"
      >
        <FilterField label="Actor" error={errors?.actor}>
          <input
            name="actor"
            defaultValue={params.get("actor") ?? ""}
            className="input"
            placeholder="staff email, stripe or system"
          />
        </FilterField>
        <FilterField label="Action" error={errors?.action}>
          <input
            name="action"
            defaultValue={params.get("action") ?? ""}
            className="input"
            placeholder="refund. (prefix)"
          />
        </FilterField>
        <FilterField label="Entity type" error={errors?.entityType}>
          <input
            name="entityType"
            defaultValue={params.get("entityType") ?? ""}
            className="input"
            placeholder="order, entitlement…"
          />
        </FilterField>
        <FilterField label="Entity id" error={errors?.entityId}>
          <input name="entityId" defaultValue={params.get("entityId") ?? ""} className="input" />
        </FilterField>
        <FilterField label="From" error={errors?.from}>
          <input type="date" name="from" defaultValue={params.get("from") ?? ""} className="input" />
        </FilterField>
        <FilterField label="To" error={errors?.to}>
          <input type="date" name="to" defaultValue={params.get("to") ?? ""} className="input" />
        </FilterField>
        <div className="flex flex-wrap items-center gap-2 sm:col-span-2 lg:col-span-3">
          <button type="submit" className="btn-primary">
            Filter
          </button>
          {filtered ? (
            <Link to="/staff/audit" className="btn-secondary">
              Clear
            </Link>
          ) : null}
          <span className="text-xs text-slate-500">
            The CSV export uses these filters and holds at most {exportCap.toLocaleString("en-US")} rows.
          </span>
        </div>
      </Form>

      <div className="mt-6">
        {!result ? (
          <FormError message="Please correct the highlighted filters." />
        ) : result.rows.length === 0 ? (
          <EmptyState title={filtered ? "No audit entries match these filters" : "The audit log is empty"}>
            {filtered ? "Try a shorter action prefix or a wider date range." : null}
          </EmptyState>
        ) : (
          <>
            <p className="mb-2 text-sm text-slate-600" data-testid="audit-count">
              {result.total.toLocaleString("en-US")} {result.total === 1 ? "entry" : "entries"}
            </p>
            <StaffTable label="Audit log">
              <thead className="bg-slate-50">
                <tr>
                  <th className={th}>Time (UTC)</th>
                  <th className={th}>Actor</th>
                  <th className={th}>Action</th>
                  <th className={th}>Entity</th>
                  <th className={th}>Order</th>
                  <th className={`${th} text-right`}>Amount</th>
                  <th className={th}>Data</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {result.rows.map((row) => (
                  <tr key={row.id} data-testid="audit-row">
                    <td className={`${td} font-mono text-xs text-slate-600`}>
                      <time dateTime={row.createdAt}>{row.createdAt.replace("T", " ").slice(0, 19)}</time>
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
                      <div className="font-mono text-slate-500">{row.entityId}</div>
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
                      {row.amount !== null && row.currency
                        ? formatMoney(row.amount, row.currency)
                        : (row.amount ?? "—")}
                    </td>
                    <td className={`${td} font-mono text-xs text-slate-500`} title={row.data ?? undefined}>
                      <div className="w-64 truncate">{row.data ?? ""}</div>
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
