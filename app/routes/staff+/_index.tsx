import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { FormError, Notice } from "#app/components/forms.tsx";
import { StatusBadge } from "#app/components/staff-ui.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { failedEmailCount } from "#app/domain/email/outbox.server.ts";
import { acknowledgeAlert, staffTrouble } from "#app/domain/event-triage.server.ts";
import { staffOverview } from "#app/domain/platform-revenue.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDateTime } from "#app/utils/format.ts";
import { parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "Staff console · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const [overview, trouble, failedEmails] = await Promise.all([staffOverview(), staffTrouble(), failedEmailCount()]);
  return { ...overview, ...trouble, failedEmails };
}

const acknowledgeSchema = z.object({
  intent: z.literal("acknowledge", { errorMap: () => ({ message: "Unknown action" }) }),
  alertId: z.string({ required_error: "Choose an alert" }).trim().min(1, "Choose an alert").max(100),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "STAFF" });
  const parsed = parseForm(await request.formData(), acknowledgeSchema);
  if (!parsed.ok)
    return data({ error: Object.values(parsed.fieldErrors)[0] ?? "That request was incomplete." }, { status: 400 });
  try {
    await acknowledgeAlert({ alertId: parsed.data.alertId, actor: actorFromRequest(request, user.id) });
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message }));
  }
  return redirect("/staff?acknowledged=1", 303);
}

const DEAD_KINDS = new Set(["event_dead", "refund_failed_after_success", "reconciliation_behind", "email_failed"]);

function AlertsPanel() {
  const { alerts, openAlertCount } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const busy = navigation.state === "submitting";
  return (
    <section aria-labelledby="alerts-heading" className="mt-6 space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="alerts-heading" className="text-lg font-semibold">
          Alerts
        </h2>
        <span className="text-sm text-slate-600" data-testid="open-alert-count">
          {openAlertCount === 0
            ? "None open"
            : openAlertCount > alerts.length
              ? `Newest ${alerts.length} of ${openAlertCount} open`
              : `${openAlertCount} open`}
        </span>
      </div>
      {params.get("acknowledged") ? <Notice tone="success">Alert acknowledged.</Notice> : null}
      <FormError message={actionData?.error} />
      {alerts.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white px-4 py-3 text-sm text-slate-600">
          Nothing needs a look. Dead webhook events, failed refunds and other trouble show up here.
        </p>
      ) : (
        <ul className="space-y-3">
          {alerts.map((alert) => (
            <li key={alert.id} className="card flex flex-col gap-3 p-4 sm:flex-row sm:items-start" data-testid="alert">
              <div className="min-w-0 flex-1 space-y-1">
                <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                  <StatusBadge status={alert.kindWords} tone={DEAD_KINDS.has(alert.kind) ? "red" : "amber"} />
                  <time className="text-xs text-slate-500" dateTime={new Date(alert.createdAt).toISOString()}>
                    {formatDateTime(alert.createdAt)}
                  </time>
                </div>
                <p className="break-words text-sm text-slate-800">{alert.message}</p>
                {alert.orderId || alert.stripeEventId ? (
                  <p className="flex flex-wrap gap-x-4 text-sm">
                    {alert.orderId ? (
                      <Link to={`/staff/orders/${alert.orderId}`} className="link">
                        Open the order →
                      </Link>
                    ) : null}
                    {alert.stripeEventId ? (
                      <Link to="/staff/events" className="link">
                        Webhook events →
                      </Link>
                    ) : null}
                  </p>
                ) : null}
              </div>
              <Form method="post" className="shrink-0">
                <input type="hidden" name="intent" value="acknowledge" />
                <input type="hidden" name="alertId" value={alert.id} />
                <button type="submit" className="btn-secondary px-3 py-1.5" disabled={busy}>
                  Acknowledge
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export default function StaffConsole() {
  const { stats, events, failedEmails } = useLoaderData<typeof loader>();
  const eventsText =
    events.failing + events.dead === 0
      ? "All Stripe events are processed."
      : `${events.failing} failing · ${events.dead} dead. Retry or dismiss them.`;
  return (
    <div>
      <h1 className="text-2xl font-bold">Staff console</h1>
      <p className="mt-1 text-sm text-slate-600">The marketplace at a glance.</p>
      <p className="mt-3">
        <Link to="/staff/dashboard" className="link">
          Platform revenue dashboard →
        </Link>
      </p>
      <AlertsPanel />
      <dl className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {stats.map((stat) => (
          <div key={stat.label} className="card">
            <dt className="text-sm text-slate-500">{stat.label}</dt>
            <dd className="mt-1 text-3xl font-semibold" data-testid={`stat-${stat.label}`}>
              {stat.value}
            </dd>
          </div>
        ))}
      </dl>
      <nav aria-label="Staff tools" className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
        {[
          { to: "/staff/orders", label: "Orders", text: "Search orders by number, buyer, creator or Stripe id." },
          { to: "/staff/disputes", label: "Disputes", text: "Open chargebacks and their evidence deadlines." },
          { to: "/staff/audit", label: "Audit log", text: "Every change to money or access, with a CSV export." },
          {
            to: "/staff/events",
            label: "Webhook events",
            text: eventsText,
            warn: events.failing + events.dead > 0,
          },
          {
            to: "/staff/emails",
            label: "Email",
            text:
              failedEmails === 0
                ? "Every email is delivered or on its way."
                : `${failedEmails} failed after every retry. Retry them.`,
            warn: failedEmails > 0,
          },
        ].map((tool) => (
          <Link
            key={tool.to}
            to={tool.to}
            className={`card block p-4 transition hover:border-brand-300 hover:shadow ${tool.warn ? "border-red-300" : ""}`}
            data-testid={`tool-${tool.to}`}
          >
            <span className="font-semibold text-brand-700">{tool.label} →</span>
            <span className={`mt-1 block text-sm ${tool.warn ? "text-red-700" : "text-slate-600"}`}>{tool.text}</span>
          </Link>
        ))}
      </nav>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
