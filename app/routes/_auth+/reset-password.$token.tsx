// The emailed reset link: a form for the new password while the link is good (unused, within its hour); otherwise a
// 410 page that says so and offers a new link. Setting the password ends every session of the account and sends the
// user to log in with the new one.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { z } from "zod";
import { AuthForm } from "#app/components/auth-form.tsx";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Field, FormError } from "#app/components/forms.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { resetLinkIsValid, resetPassword } from "#app/domain/password-reset.server.ts";
import { MAX_PASSWORD_LENGTH } from "#app/domain/users.server.ts";
import { parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [
  { title: "Choose a new password · Makers Market" },
  // The token is in the URL: keep it out of search engines and other sites' logs.
  { name: "robots", content: "noindex" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  const valid = await resetLinkIsValid(params.token ?? "");
  return data({ valid }, { status: valid ? 200 : 410 });
}

const schema = z
  .object({
    password: z
      .string({ required_error: "Choose a password" })
      .min(10, "Use at least 10 characters")
      .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters`),
    confirm: z.string({ required_error: "Type the password again" }),
  })
  .refine((form) => form.password === form.confirm, { path: ["confirm"], message: "The two passwords differ" });

export async function action({ request, params }: ActionFunctionArgs) {
  const parsed = parseForm(await request.formData(), schema);
  if (!parsed.ok) return data({ formError: null, fieldErrors: parsed.fieldErrors, expired: false }, { status: 400 });
  try {
    await resetPassword({
      token: params.token ?? "",
      password: parsed.data.password,
      actor: actorFromRequest(request),
    });
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({
      formError: refusal.message,
      fieldErrors: {} as Record<string, string>,
      expired: refusal.code === "link_expired",
    }));
  }
  return redirect("/login?reset=1", 303);
}

function ExpiredLink() {
  return (
    <div className="mx-auto max-w-md">
      <div className="card" data-testid="reset-link-expired">
        <h1 className="text-2xl font-bold">This link no longer works</h1>
        <p className="mt-2 text-sm text-slate-600">
          A reset link works once, for 1 hour, and a newer password change ends it. Ask for a new one and use the newest
          email.
        </p>
        <div className="mt-6 flex flex-wrap gap-3">
          <Link to="/forgot-password" className="btn-primary">
            Send a new link
          </Link>
          <Link to="/login" className="btn-secondary">
            Log in
          </Link>
        </div>
      </div>
    </div>
  );
}

export default function ResetPassword() {
  const { valid } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { pathname } = useLocation();
  if (!valid || actionData?.expired) return <ExpiredLink />;
  return (
    <AuthForm
      title="Choose a new password"
      intro="Setting it signs you out everywhere; then log in with the new one."
      path={pathname}
      submitLabel="Set new password"
      busyLabel="Saving…"
      other={{ question: "Remembered it?", to: "/login", label: "Log in" }}
    >
      <FormError message={actionData?.formError} />
      <Field
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 10 characters."
        error={actionData?.fieldErrors?.password}
        required
      />
      <Field
        label="New password, again"
        name="confirm"
        type="password"
        autoComplete="new-password"
        error={actionData?.fieldErrors?.confirm}
        required
      />
    </AuthForm>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
