import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Field, FormError } from "#app/components/forms.tsx";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { authenticator } from "#app/domain/login.server.ts";
import { homeFor, requireAnonymous, safeRedirect } from "#app/utils/auth.server.ts";
import { startSession } from "#app/utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Log in · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request);
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  // The form strategy reads its own clone of the body; read ours from another clone.
  const form = await request.clone().formData();
  try {
    const user = await authenticator.authenticate("form", request);
    return startSession(request, user.id, safeRedirect(form.get("redirectTo"), homeFor(user.role)));
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({
      formError: refusal.message,
      fieldErrors: refusal.fieldErrors,
      email: String(form.get("email") ?? ""),
    }));
  }
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === "/login";
  return (
    <div className="mx-auto max-w-md">
      <div className="card">
        <h1 className="text-2xl font-bold">Log in</h1>
        <p className="mt-1 text-sm text-slate-600">Welcome back. Your library and sales are waiting.</p>
        <Form method="post" className="mt-6 space-y-4" noValidate>
          <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
          <FormError message={actionData?.formError} />
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            defaultValue={actionData?.email}
            error={actionData?.fieldErrors?.email}
            required
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            error={actionData?.fieldErrors?.password}
            required
          />
          <button type="submit" className="btn-primary w-full" disabled={busy}>
            {busy ? "Logging in…" : "Log in"}
          </button>
        </Form>
      </div>
      <p className="mt-4 text-center text-sm text-slate-600">
        New here?{" "}
        <Link to="/signup" className="link">
          Create an account
        </Link>
      </p>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
