// The unsubscribe link of a non-essential email: no login needed (the signed token names the person and the topic).
// Opening it asks to confirm with a button; the POST turns the topic off. A mail client's one-click unsubscribe
// (RFC 8058: `List-Unsubscribe=One-Click` POSTed to the same URL) takes the same action. A bad link answers 400.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorPage } from "#app/domain/error-responses.server.ts";
import { describeUnsubscribe, unsubscribe } from "#app/domain/notification-settings.server.ts";

export const meta: MetaFunction = () => [
  { title: "Unsubscribe · Makers Market" },
  { name: "robots", content: "noindex" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  return describeUnsubscribe(params.token ?? "").catch(domainErrorPage);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const done = await unsubscribe({ token: params.token ?? "", actor: actorFromRequest(request) }).catch(
    domainErrorPage,
  );
  return { done };
}

export default function Unsubscribe() {
  const link = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const what = link.label.charAt(0).toLowerCase() + link.label.slice(1);
  const off = actionData?.done ?? link.alreadyOff;
  return (
    <div className="mx-auto max-w-md">
      <div className="card space-y-4" data-testid={off ? "unsubscribed" : "unsubscribe-confirm"}>
        <h1 className="text-2xl font-bold">{off ? "You're unsubscribed" : "Unsubscribe?"}</h1>
        <p className="text-sm text-slate-600">
          {off ? (
            <>
              <strong className="break-all">{link.email}</strong> no longer gets emails about {what}.
            </>
          ) : (
            <>
              Stop emails about {what} to <strong className="break-all">{link.email}</strong>?
            </>
          )}{" "}
          Receipts, security and payment-problem emails still come: they are needed to use the account.
        </p>
        {off ? null : (
          <Form method="post">
            <button type="submit" className="btn-primary w-full" disabled={busy}>
              {busy ? "Unsubscribing…" : "Unsubscribe"}
            </button>
          </Form>
        )}
        <p className="text-sm text-slate-600">
          Change your mind any time in your{" "}
          <Link to="/settings" className="link">
            notification settings
          </Link>
          .
        </p>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
