import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData } from "@remix-run/react";
import { z } from "zod";
import { AuthForm } from "#app/components/auth-form.tsx";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Field, FormError } from "#app/components/forms.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { MAX_PASSWORD_LENGTH, reserveSignup, signUp, waitText } from "#app/domain/users.server.ts";
import { homeFor, requireAnonymous } from "#app/utils/auth.server.ts";
import { clientIp } from "#app/utils/client-address.ts";
import { badRequest, parseForm } from "#app/utils/forms.server.ts";
import { startSession } from "#app/utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Sign up · Makers Market" }];

const signupSchema = z.object({
  name: z
    .string({ required_error: "Enter your name" })
    .trim()
    .min(1, "Enter your name")
    .max(80, "Use at most 80 characters"),
  email: z
    .string({ required_error: "Enter your email" })
    .trim()
    .toLowerCase()
    .max(254, "Use an email address of at most 254 characters")
    .email("Enter a valid email address"),
  password: z
    .string({ required_error: "Choose a password" })
    .min(10, "Use at least 10 characters")
    .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters`),
  // Staff accounts cannot be self-registered: only these two are accepted.
  accountType: z.enum(["BUYER", "CREATOR"], {
    errorMap: () => ({ message: "Choose whether you want to buy or sell" }),
  }),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request);
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const parsed = parseForm(await request.formData(), signupSchema);
  if (!parsed.ok) return badRequest({ fieldErrors: parsed.fieldErrors, values: parsed.values, formError: null });
  const { name, email, password, accountType } = parsed.data;
  const reservation = await reserveSignup(clientIp(request));
  if (!reservation.ok)
    return badRequest(
      {
        fieldErrors: {},
        values: { name, email, accountType },
        formError: `Too many sign-ups from your network. Try again in ${waitText(reservation.retryAfterSeconds)}.`,
      },
      429,
    );
  try {
    const user = await signUp({ name, email, password, role: accountType, actor: actorFromRequest(request) });
    return startSession(request, user.id, homeFor(user.role));
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({
      fieldErrors: refusal.field ? { [refusal.field]: refusal.message } : {},
      values: { name, email, accountType },
      formError: refusal.field ? null : refusal.message,
    }));
  }
}

export default function Signup() {
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  const values: Record<string, string | undefined> = actionData?.values ?? {};
  return (
    <AuthForm
      title="Create your account"
      intro="Buy from independent creators, or start selling your own work."
      path="/signup"
      submitLabel="Create account"
      busyLabel="Creating account…"
      other={{ question: "Already have an account?", to: "/login", label: "Log in" }}
    >
      <FormError message={actionData?.formError} />
      <fieldset>
        <legend className="label">I want to</legend>
        <div className="grid grid-cols-2 gap-3">
          {[
            { value: "BUYER", title: "Buy", text: "Collect products" },
            { value: "CREATOR", title: "Sell", text: "Open a creator shop" },
          ].map((option) => (
            <label
              key={option.value}
              className="flex cursor-pointer flex-col rounded-lg border border-slate-300 p-3 text-sm has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50"
            >
              <span className="flex items-center gap-2 font-semibold">
                <input
                  type="radio"
                  name="accountType"
                  value={option.value}
                  defaultChecked={(values.accountType ?? "BUYER") === option.value}
                />
                {option.title}
              </span>
              <span className="mt-1 text-slate-500">{option.text}</span>
            </label>
          ))}
        </div>
        {errors.accountType ? (
          <p className="mt-1 text-sm text-red-600" role="alert">
            {errors.accountType}
          </p>
        ) : null}
      </fieldset>
      <Field label="Name" name="name" autoComplete="name" defaultValue={values.name} error={errors.name} required />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        defaultValue={values.email}
        error={errors.email}
        required
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        error={errors.password}
        hint="At least 10 characters."
        required
      />
    </AuthForm>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
