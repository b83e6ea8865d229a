// /dev/inbox: every email the local SMTP server of `npm start` received, newest first (development only; a 404 in
// production). With a real SMTP_URL the mail goes to the provider and this stays empty.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { listInbox, requireDevInbox } from "#app/domain/email/dev-inbox.server.ts";
import { formatDateTime } from "#app/utils/format.ts";
import { pageFrom } from "#app/utils/paging.ts";

export const meta: MetaFunction = () => [{ title: "Inbox · Development · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  requireDevInbox();
  return listInbox({ page: pageFrom(new URL(request.url).searchParams) });
}

export default function DevInbox() {
  const { messages, total, page, pageCount } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <div>
        <p className="text-xs font-semibold uppercase tracking-wide text-amber-700">Development only</p>
        <h1 className="mt-1 text-2xl font-bold">Inbox</h1>
        <p className="mt-1 text-sm text-slate-600">
          Every email the app sent while running locally: {total} {total === 1 ? "message" : "messages"}, newest first.
          Set <code className="rounded bg-slate-100 px-1 text-xs">SMTP_URL</code> to send through a real mail provider
          instead.
        </p>
      </div>
      {messages.length === 0 ? (
        <EmptyState title={page > 1 ? "No messages on this page" : "No email yet"}>
          Buy something or ask for a password reset, and the email shows up here.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
          {messages.map((message) => (
            <li key={message.id} data-testid="inbox-message">
              <Link
                to={`/dev/inbox/${message.id}`}
                className="block px-4 py-3 hover:bg-slate-50 focus:bg-slate-50 focus:outline-none"
              >
                <div className="flex flex-col gap-x-4 sm:flex-row sm:items-baseline sm:justify-between">
                  <span className="break-words font-semibold text-slate-900">{message.subject || "(no subject)"}</span>
                  <span className="shrink-0 text-xs text-slate-500">{formatDateTime(message.receivedAt)}</span>
                </div>
                <p className="mt-0.5 break-all text-sm text-slate-700">To {message.to}</p>
                {message.preview ? (
                  <p className="mt-0.5 line-clamp-1 break-all text-sm text-slate-500">{message.preview}</p>
                ) : null}
              </Link>
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} pageCount={pageCount} />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
