import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useActionData, useSearchParams } from "@remix-run/react";
import { AuthForm } from "#app/components/auth-form.tsx";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Field, FormError, Notice } from "#app/components/forms.tsx";
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
  return (
    <AuthForm
      title="Log in"
      intro="Welcome back. Your library and sales are waiting."
      path="/login"
      submitLabel="Log in"
      busyLabel="Logging in…"
      other={{ question: "New here?", to: "/signup", label: "Create an account" }}
    >
      <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
      {searchParams.get("reset") === "1" && !actionData ? (
        <div data-testid="password-reset-done">
          <Notice tone="success">
            Your password is changed and you are signed out everywhere. Log in with the new one.
          </Notice>
        </div>
      ) : null}
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
      <p className="-mt-2 text-right text-sm">
        <Link to="/forgot-password" className="link">
          Forgot password?
        </Link>
      </p>
    </AuthForm>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
