// The email outbox for staff: failed messages first (every retry failed: the mail server refused or was away), with
// Retry, then the queued and all messages, newest first. A retry puts the message back on the queue, audited.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState, FormError, Notice } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { numeric, PageHeader, StaffTable, StatusBadge, td } from "#app/components/staff-ui.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { listEmails, retryEmail, type EmailListFilter } from "#app/domain/email/outbox.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDateTime } from "#app/utils/format.ts";
import { parseForm } from "#app/utils/forms.server.ts";
import { pageFrom, pageParam } from "#app/utils/paging.ts";

export const meta: MetaFunction = () => [{ title: "Email · Staff console · Makers Market" }];

const FILTERS: { value: EmailListFilter; label: string }[] = [
  { value: "failed", label: "Failed" },
  { value: "queued", label: "Queued" },
  { value: "all", label: "All" },
];
const filterSchema = z.enum(["failed", "queued", "all"]);

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const params = new URL(request.url).searchParams;
  const filter = filterSchema.safeParse(params.get("show") ?? "failed");
  if (!filter.success)
    throw new Response('Show must be "failed", "queued" or "all".', {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  return { ...(await listEmails({ page: pageFrom(params), filter: filter.data })), filter: filter.data };
}

const actionSchema = z.object({
  intent: z.literal("retry", { errorMap: () => ({ message: "Choose retry" }) }),
  emailId: z.string({ required_error: "Choose an email" }).trim().min(1, "Choose an email").max(64, "Choose an email"),
  page: pageParam,
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "STAFF" });
  const parsed = parseForm(await request.formData(), actionSchema);
  if (!parsed.ok)
    return data({ error: Object.values(parsed.fieldErrors)[0] ?? "That request was incomplete." }, { status: 400 });
  try {
    await retryEmail({ emailId: parsed.data.emailId, actor: actorFromRequest(request, user.id) });
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message }));
  }
  const params = new URLSearchParams({ done: "queued" });
  if (parsed.data.page > 1) params.set("page", String(parsed.data.page));
  return redirect(`/staff/emails?${params}`, 303);
}

const EMAIL_TONES = { SENT: "green", QUEUED: "blue", FAILED: "red" } as const;

type Email = Awaited<ReturnType<typeof listEmails>>["emails"][number];

function RetryButton({ email, busy }: { email: Email; busy: boolean }) {
  const [params] = useSearchParams();
  if (email.status !== "FAILED") return null;
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="retry" />
      <input type="hidden" name="emailId" value={email.id} />
      <input type="hidden" name="page" value={params.get("page") ?? ""} />
      <button type="submit" className="btn-primary px-3 py-1.5 text-sm" disabled={busy}>
        Retry
      </button>
    </Form>
  );
}

function When({ email }: { email: Email }) {
  return (
    <>
      {email.sentAt ? <span className="block">Sent {formatDateTime(email.sentAt)}</span> : null}
      {email.failedAt ? <span className="block">Gave up {formatDateTime(email.failedAt)}</span> : null}
      {!email.sentAt && email.lastAttemptAt ? (
        <span className="block">Last tried {formatDateTime(email.lastAttemptAt)}</span>
      ) : null}
      <span className="block text-xs text-slate-500">Queued {formatDateTime(email.createdAt)}</span>
    </>
  );
}

function Message({ email }: { email: Email }) {
  return (
    <>
      <span className="block break-words font-medium">{email.subject}</span>
      <span className="block break-all text-xs text-slate-500">
        To {email.to} · {email.kind.replace(/_/g, " ")}
      </span>
      {email.lastError && email.status !== "SENT" ? (
        <span className="mt-1 block break-words text-xs text-red-700">{email.lastError}</span>
      ) : null}
    </>
  );
}

export default function StaffEmails() {
  const { emails, counts, page, pageCount, filter } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const busy = navigation.state === "submitting";
  return (
    <div className="space-y-6">
      <PageHeader
        title="Email"
        description={`${counts.failed} failed · ${counts.queued} queued · ${counts.sent} sent. Failed messages wait for a retry once the mail server works.`}
        back={{ to: "/staff", label: "Staff console" }}
      />
      {params.get("done") === "queued" ? (
        <Notice tone="success">The email is queued again; a worker sends it in a moment.</Notice>
      ) : null}
      <FormError message={actionData?.error} />
      <nav aria-label="Which emails" className="flex flex-wrap gap-2">
        {FILTERS.map((option) => (
          <Link
            key={option.value}
            to={`/staff/emails?show=${option.value}`}
            aria-current={filter === option.value ? "page" : undefined}
            className={`rounded-full px-3 py-1 text-sm font-medium ring-1 ring-inset ${
              filter === option.value
                ? "bg-brand-600 text-white ring-brand-600"
                : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50"
            }`}
          >
            {option.label}
            {option.value === "failed" ? ` (${counts.failed})` : option.value === "queued" ? ` (${counts.queued})` : ""}
          </Link>
        ))}
      </nav>
      {emails.length === 0 ? (
        <EmptyState title={filter === "failed" ? "No failed email" : "No email here"}>
          {filter === "failed"
            ? "A message whose every delivery attempt failed shows up here, with a way to retry it."
            : "Emails show up here as the marketplace sends them."}
        </EmptyState>
      ) : (
        <>
          <div className="hidden lg:block">
            <StaffTable label="Emails" columns={["Message", "Status", numeric("Attempts"), "When", ""]}>
              {emails.map((email) => (
                <tr key={email.id} data-testid="staff-email">
                  <td className="min-w-[18rem] px-4 py-2.5 align-top">
                    <Message email={email} />
                  </td>
                  <td className={td}>
                    <StatusBadge status={email.status} tone={EMAIL_TONES[email.status]} />
                  </td>
                  <td className={`${td} text-right tabular-nums`}>{email.attempts}</td>
                  <td className={td}>
                    <When email={email} />
                  </td>
                  <td className={td}>
                    <RetryButton email={email} busy={busy} />
                  </td>
                </tr>
              ))}
            </StaffTable>
          </div>
          <ul className="space-y-3 lg:hidden" aria-label="Emails">
            {emails.map((email) => (
              <li key={email.id} className="card space-y-2 p-4 text-sm" data-testid="staff-email-card">
                <div className="flex items-start justify-between gap-3">
                  <div className="min-w-0">
                    <Message email={email} />
                  </div>
                  <StatusBadge status={email.status} tone={EMAIL_TONES[email.status]} />
                </div>
                <p className="text-slate-700">
                  {email.attempts} {email.attempts === 1 ? "attempt" : "attempts"}
                </p>
                <p className="text-slate-700">
                  <When email={email} />
                </p>
                <RetryButton email={email} busy={busy} />
              </li>
            ))}
          </ul>
          <Pagination page={page} pageCount={pageCount} />
        </>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
