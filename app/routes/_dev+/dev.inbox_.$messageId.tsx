// One message of the development inbox: its HTML part in a sandboxed frame (no scripts, no forms, no navigation out
// of it, its own opaque origin), its plain-text part, its links (followable from here, since the frame can't) and
// every header as it arrived.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { inboxMessage, requireDevInbox } from "#app/domain/email/dev-inbox.server.ts";
import { formatBytes, formatDateTime } from "#app/utils/format.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.subject || "Message"} · Inbox · Makers Market` },
];

export async function loader({ params }: LoaderFunctionArgs) {
  requireDevInbox();
  return inboxMessage(params.messageId ?? "");
}

function Section({ title, children, id }: { title: string; children: ReactNode; id: string }) {
  return (
    <section aria-labelledby={id} className="space-y-2">
      <h2 id={id} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

export default function InboxMessage() {
  const message = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <div>
        <Link to="/dev/inbox" className="text-sm text-slate-500 hover:text-slate-900">
          ← Inbox
        </Link>
        <h1 className="mt-2 break-words text-2xl font-bold" data-testid="message-subject">
          {message.subject || "(no subject)"}
        </h1>
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">From</dt>
          <dd className="break-all">{message.from}</dd>
          <dt className="text-slate-500">To</dt>
          <dd className="break-all" data-testid="message-to">
            {message.to}
          </dd>
          <dt className="text-slate-500">Received</dt>
          <dd>
            {formatDateTime(message.receivedAt)} · {formatBytes(message.size)}
          </dd>
        </dl>
      </div>

      <Section title="HTML" id="html-heading">
        {message.html ? (
          <iframe
            title="The message's HTML part"
            sandbox=""
            srcDoc={message.html}
            className="h-[48rem] w-full rounded-xl sm:h-[40rem] border border-slate-200 bg-white shadow-sm"
            data-testid="message-html"
          />
        ) : (
          <p className="text-sm text-slate-500">This message has no HTML part.</p>
        )}
      </Section>

      <Section title="Links" id="links-heading">
        {message.links.length ? (
          <ul className="space-y-1 text-sm">
            {message.links.map((link) => (
              <li key={link.href} className="break-all">
                {link.web ? (
                  <a href={link.href} className="link" data-testid="message-link" rel="noreferrer">
                    {link.href}
                  </a>
                ) : (
                  <span className="font-mono text-xs text-slate-700">{link.href}</span>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-500">No links.</p>
        )}
      </Section>

      <Section title="Text" id="text-heading">
        <pre
          className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-words rounded-xl border border-slate-200 bg-white p-4 font-mono text-xs leading-5 text-slate-800 shadow-sm"
          data-testid="message-text"
        >
          {message.text || "(no text part)"}
        </pre>
      </Section>

      <Section title="Headers" id="headers-heading">
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
          <table className="min-w-full text-left text-xs" aria-label="Headers">
            <tbody className="divide-y divide-slate-100">
              {message.headers.map(([name, value], index) => (
                <tr key={index}>
                  <th scope="row" className="whitespace-nowrap px-4 py-2 align-top font-mono font-semibold">
                    {name}
                  </th>
                  <td className="break-all px-4 py-2 font-mono text-slate-700">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
