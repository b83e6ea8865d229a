// "Forgot password?": asks for the account's email and sends a reset link to it. The answer is the same whether or
// not the email has an account; only bad input (400) and too many requests (429) answer differently.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useActionData } from "@remix-run/react";
import { z } from "zod";
import { AuthForm } from "#app/components/auth-form.tsx";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Field, FormError, Notice } from "#app/components/forms.tsx";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { requestPasswordReset } from "#app/domain/password-reset.server.ts";
import { requireAnonymous } from "#app/utils/auth.server.ts";
import { clientIp } from "#app/utils/client-address.ts";
import { parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "Forgot your password? · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request);
  return null;
}

const schema = z.object({
  email: z
    .string({ required_error: "Enter your email" })
    .trim()
    .toLowerCase()
    .max(254, "Enter a valid email address")
    .email("Enter a valid email address"),
});

export async function action({ request }: ActionFunctionArgs) {
  const parsed = parseForm(await request.formData(), schema);
  if (!parsed.ok)
    return data(
      { sent: false as const, formError: null, fieldErrors: parsed.fieldErrors, email: parsed.values.email ?? "" },
      { status: 400 },
    );
  try {
    await requestPasswordReset({ email: parsed.data.email, ip: clientIp(request) });
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({
      sent: false as const,
      formError: refusal.message,
      fieldErrors: {} as Record<string, string>,
      email: parsed.data.email,
    }));
  }
  return { sent: true as const, formError: null, fieldErrors: {} as Record<string, string>, email: parsed.data.email };
}

export default function ForgotPassword() {
  const actionData = useActionData<typeof action>();
  return (
    <AuthForm
      title="Forgot your password?"
      intro="Enter the email of your account and we'll send you a link to choose a new password."
      path="/forgot-password"
      submitLabel={actionData?.sent ? "Send the link again" : "Send reset link"}
      busyLabel="Sending…"
      other={{ question: "Remembered it?", to: "/login", label: "Log in" }}
    >
      {actionData?.sent ? (
        <div data-testid="reset-sent">
          <Notice tone="success">
            If an account exists for <strong className="break-all">{actionData.email}</strong>, we've sent it a link to
            reset the password. The link works once, for 1 hour. Nothing there? Check your spam folder.
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
    </AuthForm>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
