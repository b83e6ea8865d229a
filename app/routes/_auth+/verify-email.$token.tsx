// An emailed address link: proves a new account's address (VERIFY), or moves an account to the address it was sent to
// (CHANGE). Opening it shows what it does and asks to confirm with a button (a POST), so a mail scanner that follows
// links changes nothing. A link that is unknown, used, expired or stale answers 410 and says how to get a new one.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { FormError } from "#app/components/forms.tsx";
import { describeEmailLink, followEmailLink } from "#app/domain/account-email.server.ts";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { getUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [
  { title: "Confirm your email · Makers Market" },
  { name: "robots", content: "noindex" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const [link, user] = await Promise.all([describeEmailLink(params.token ?? ""), getUser(request)]);
  return data({ link, signedIn: Boolean(user) }, { status: link ? 200 : 410 });
}

export async function action({ request, params }: ActionFunctionArgs) {
  try {
    const done = await followEmailLink({ token: params.token ?? "", actor: actorFromRequest(request) });
    const user = await getUser(request);
    if (user?.id === done.userId)
      return redirect(`/settings?done=${done.purpose === "VERIFY" ? "verified" : "changed"}`, 303);
    return { done: { purpose: done.purpose, email: done.email }, formError: null };
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({ done: null, formError: refusal.message }));
  }
}

function Card({ title, children, testId }: { title: string; children: React.ReactNode; testId: string }) {
  return (
    <div className="mx-auto max-w-md">
      <div className="card space-y-4" data-testid={testId}>
        <h1 className="text-2xl font-bold">{title}</h1>
        {children}
      </div>
    </div>
  );
}

export default function VerifyEmailLink() {
  const { link, signedIn } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const onward = signedIn ? (
    <Link to="/settings" className="link">
      your settings
    </Link>
  ) : (
    <Link to="/login" className="link">
      log in
    </Link>
  );
  if (actionData?.done)
    return (
      <Card title="Email confirmed" testId="email-link-done">
        <p className="text-sm text-slate-600">
          {actionData.done.purpose === "VERIFY" ? "Thanks: " : "Your account's email is now "}
          <strong className="break-all">{actionData.done.email}</strong>
          {actionData.done.purpose === "VERIFY" ? " is confirmed." : "."}
        </p>
        <Link to={signedIn ? "/settings" : "/login"} className="btn-primary w-full">
          {signedIn ? "Go to your settings" : "Log in"}
        </Link>
      </Card>
    );
  if (!link)
    return (
      <Card title="This link no longer works" testId="email-link-expired">
        <p className="text-sm text-slate-600">
          It has expired, was already used, or belongs to an address your account no longer has.{" "}
          {signedIn ? <>Ask for a new one from {onward}.</> : <>To get a new one, {onward} and open your settings.</>}
        </p>
      </Card>
    );
  const change = link.purpose === "CHANGE";
  return (
    <Card title={change ? "Use your new email?" : "Confirm your email"} testId="email-link-confirm">
      <p className="text-sm text-slate-600">
        {change ? (
          <>
            Your account's email changes from <strong className="break-all">{link.currentEmail}</strong> to{" "}
            <strong className="break-all">{link.email}</strong>. You stay signed in.
          </>
        ) : (
          <>
            Confirm that <strong className="break-all">{link.email}</strong> is your address.
          </>
        )}
      </p>
      <FormError message={actionData?.formError} />
      <Form method="post">
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {busy ? "Confirming…" : change ? `Use ${link.email}` : "Confirm my email"}
        </button>
      </Form>
    </Card>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
