// Stripe webhook events that did not go through: failing ones (the queue is still retrying them) and dead ones (it
// gave up). Staff retry an event now or dismiss it for good; dismissing asks for a confirmation first.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState, FormError, Notice } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { numeric, PageHeader, StaffTable, td } from "#app/components/staff-ui.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { dismissEvent, listTroubledEvents, retryEvent } from "#app/domain/event-triage.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatDateTime } from "#app/utils/format.ts";
import { parseForm } from "#app/utils/forms.server.ts";
import { pageFrom, pageParam } from "#app/utils/paging.ts";

export const meta: MetaFunction = () => [{ title: "Webhook events · Staff console · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  return listTroubledEvents({ page: pageFrom(new URL(request.url).searchParams) });
}

const eventId = z
  .string({ required_error: "Choose an event" })
  .trim()
  .min(1, "Choose an event")
  .max(255, "That is not a Stripe event id");
const actionSchema = z.object({
  intent: z.enum(["retry", "dismiss"], { errorMap: () => ({ message: "Choose retry or dismiss" }) }),
  eventId,
  page: pageParam,
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "STAFF" });
  const parsed = parseForm(await request.formData(), actionSchema);
  if (!parsed.ok)
    return data({ error: Object.values(parsed.fieldErrors)[0] ?? "That request was incomplete." }, { status: 400 });
  const { intent, page } = parsed.data;
  const actor = actorFromRequest(request, user.id);
  let done: string;
  try {
    if (intent === "retry") done = (await retryEvent({ eventId: parsed.data.eventId, actor })).outcome;
    else {
      await dismissEvent({ eventId: parsed.data.eventId, actor });
      done = "dismissed";
    }
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ error: refusal.message }));
  }
  const params = new URLSearchParams({ done, event: parsed.data.eventId });
  if (page > 1) params.set("page", String(page));
  return redirect(`/staff/events?${params}`, 303);
}

type Event = Awaited<ReturnType<typeof listTroubledEvents>>["failing"][number];

function ResultNotice() {
  const [params] = useSearchParams();
  const event = params.get("event");
  switch (params.get("done")) {
    case "queued":
      return (
        <Notice tone="success">
          <strong className="break-all">{event}</strong> is queued again; a worker picks it up in a moment.
        </Notice>
      );
    case "already_queued":
      return (
        <Notice>
          <strong className="break-all">{event}</strong> already has a job waiting or running, so nothing new was
          queued.
        </Notice>
      );
    case "dismissed":
      return (
        <Notice>
          <strong className="break-all">{event}</strong> was dismissed. It stays unprocessed and off this page.
        </Notice>
      );
    default:
      return null;
  }
}

/** The confirmation a dismissal needs, for the event named by `?dismiss=` when it is on this page. */
function DismissConfirmation({ event, busy }: { event: Event; busy: boolean }) {
  const [params] = useSearchParams();
  const back = new URLSearchParams(params);
  back.delete("dismiss");
  return (
    <Form
      method="post"
      className="card space-y-3 border-amber-300 bg-amber-50"
      aria-label="Confirm dismissal"
      data-testid="dismiss-confirmation"
    >
      <h2 className="text-lg font-semibold text-amber-900">Dismiss this event?</h2>
      <p className="text-sm text-amber-900">
        <span className="font-mono break-all">{event.type}</span> (<span className="break-all">{event.id}</span>) will
        never be processed: whatever it reports (a payment, a refund, an account change) is not applied here. A job
        still waiting for it is cancelled. Retry it instead if the cause is fixed.
      </p>
      <input type="hidden" name="intent" value="dismiss" />
      <input type="hidden" name="eventId" value={event.id} />
      <input type="hidden" name="page" value={params.get("page") ?? ""} />
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="btn-danger" disabled={busy}>
          {busy ? "Dismissing…" : "Dismiss for good"}
        </button>
        <Link to={`/staff/events${back.size ? `?${back}` : ""}`} className="btn-secondary" preventScrollReset>
          Keep it
        </Link>
      </div>
    </Form>
  );
}

function EventActions({ event, busy }: { event: Event; busy: boolean }) {
  const [params] = useSearchParams();
  const confirm = new URLSearchParams(params);
  confirm.set("dismiss", event.id);
  confirm.delete("done");
  confirm.delete("event");
  return (
    <div className="flex items-center gap-2">
      <Form method="post">
        <input type="hidden" name="intent" value="retry" />
        <input type="hidden" name="eventId" value={event.id} />
        <input type="hidden" name="page" value={params.get("page") ?? ""} />
        <button type="submit" className="btn-primary px-3 py-1.5 text-sm" disabled={busy}>
          Retry
        </button>
      </Form>
      <Link to={`/staff/events?${confirm}`} className="btn-secondary px-3 py-1.5 text-sm" preventScrollReset>
        Dismiss…
      </Link>
    </div>
  );
}

function EventName({ event }: { event: Event }) {
  return (
    <>
      <span className="block break-all font-mono text-xs font-semibold">{event.type}</span>
      <a href={event.dashboardUrl} className="link break-all text-xs" target="_blank" rel="noreferrer">
        {event.id} ↗
      </a>
      <span className="block break-all text-xs text-slate-500">
        {event.account ? `Account ${event.account}` : "Platform account"}
      </span>
    </>
  );
}

function EventError({ event }: { event: Event }) {
  return event.error ? (
    <span className="break-words text-red-700">{event.error}</span>
  ) : (
    <span className="text-slate-500">No error recorded</span>
  );
}

/** When it came, when it was last tried and (dead) when the queue gave up, smallest print for the least urgent. */
function EventTimes({ event }: { event: Event }) {
  return (
    <>
      <span className="block">Last tried {formatDateTime(event.lastAttemptAt)}</span>
      {event.deadAt ? <span className="block">Gave up {formatDateTime(event.deadAt)}</span> : null}
      <span className="block text-xs text-slate-500">Received {formatDateTime(event.receivedAt)}</span>
    </>
  );
}

/** A table on wide screens; on narrow ones a card per event, so the buttons never hide off to the side. */
function EventList({ rows, dead, busy }: { rows: Event[]; dead: boolean; busy: boolean }) {
  const testId = dead ? "dead-event" : "failing-event";
  return (
    <>
      <div className="hidden lg:block">
        <StaffTable
          label={dead ? "Dead events" : "Failing events"}
          columns={["Event", "Error", numeric("Attempts"), "When", "Actions"]}
        >
          {rows.map((event) => (
            <tr key={event.id} data-testid={testId}>
              <td className={td}>
                <EventName event={event} />
              </td>
              <td className="min-w-[16rem] px-4 py-2.5 align-top">
                <EventError event={event} />
              </td>
              <td className={`${td} text-right tabular-nums`}>{event.attempts}</td>
              <td className={td}>
                <EventTimes event={event} />
              </td>
              <td className={td}>
                <EventActions event={event} busy={busy} />
              </td>
            </tr>
          ))}
        </StaffTable>
      </div>
      <ul className="space-y-3 lg:hidden" aria-label={dead ? "Dead events" : "Failing events"}>
        {rows.map((event) => (
          <li key={event.id} className="card space-y-2 p-4 text-sm" data-testid={`${testId}-card`}>
            <EventName event={event} />
            <p>
              <EventError event={event} />
            </p>
            <p className="text-slate-700">
              {event.attempts} {event.attempts === 1 ? "attempt" : "attempts"}
            </p>
            <p className="text-slate-700">
              <EventTimes event={event} />
            </p>
            <EventActions event={event} busy={busy} />
          </li>
        ))}
      </ul>
    </>
  );
}

export default function StaffEvents() {
  const { failing, dead, failingCount, deadCount, page, pageCount } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const busy = navigation.state === "submitting";
  const dismissing = [...failing, ...dead].find((event) => event.id === params.get("dismiss"));
  return (
    <div className="space-y-6">
      <PageHeader
        title="Webhook events"
        description={`${failingCount} failing · ${deadCount} dead. Stripe events whose processing failed, newest first.`}
        back={{ to: "/staff", label: "Staff console" }}
      />
      <ResultNotice />
      <FormError message={actionData?.error} />
      {dismissing ? <DismissConfirmation event={dismissing} busy={busy} /> : null}
      {failingCount + deadCount === 0 ? (
        <EmptyState title="All Stripe events are processed">
          Events whose processing fails show up here while they are retried, and stay here if the retries give up.
        </EmptyState>
      ) : (
        <>
          {failing.length ? (
            <section aria-labelledby="failing-heading">
              <h2 id="failing-heading" className="text-lg font-semibold">
                Failing <span className="font-normal text-slate-500">· retrying automatically</span>
              </h2>
              <p className="mb-3 mt-1 text-sm text-slate-600">
                The queue retries these with growing pauses. Retry runs one now, with a fresh set of retries.
              </p>
              <EventList rows={failing} dead={false} busy={busy} />
            </section>
          ) : null}
          {dead.length ? (
            <section aria-labelledby="dead-heading">
              <h2 id="dead-heading" className="text-lg font-semibold">
                Dead <span className="font-normal text-slate-500">· gave up</span>
              </h2>
              <p className="mb-3 mt-1 text-sm text-slate-600">
                Every retry failed. Fix the cause, then retry; or dismiss an event that should never be applied.
              </p>
              <EventList rows={dead} dead busy={busy} />
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
