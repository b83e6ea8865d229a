// A signed-in person's settings: their email address (proven or not, "send the link again", moving to a new address)
// and which non-essential emails they get. Receipts, security and payment-problem emails always go.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Field, FormError, Notice } from "#app/components/forms.tsx";
import { VerifyEmailNotice } from "#app/components/verify-email-notice.tsx";
import { getEmailStatus, requestEmailChange, resendVerificationEmail } from "#app/domain/account-email.server.ts";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { getNotificationSettings, updateNotificationSettings } from "#app/domain/notification-settings.server.ts";
import { MAX_PASSWORD_LENGTH } from "#app/domain/users.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { clientIp } from "#app/utils/client-address.ts";
import { badRequest, parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "Settings · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const [email, topics] = await Promise.all([getEmailStatus(user.id), getNotificationSettings(user.id)]);
  return { ...email, role: user.role, topics };
}

const changeSchema = z.object({
  newEmail: z
    .string({ required_error: "Enter the new email address" })
    .trim()
    .toLowerCase()
    .max(254, "Use an email address of at most 254 characters")
    .email("Enter a valid email address"),
  password: z
    .string({ required_error: "Enter your current password" })
    .min(1, "Enter your current password")
    .max(MAX_PASSWORD_LENGTH, "That is not your current password."),
});

type Intent = "resend-verification" | "change-email" | "notifications" | "unknown";

function answer(intent: Intent, parts: { message?: string; formError?: string; fieldErrors?: Record<string, string> }) {
  return {
    intent,
    message: parts.message ?? null,
    formError: parts.formError ?? null,
    fieldErrors: parts.fieldErrors ?? {},
    values: {} as Record<string, string>,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await request.formData();
  const intent = form.get("intent");
  const actor = actorFromRequest(request, user.id);
  try {
    if (intent === "resend-verification") {
      const result = await resendVerificationEmail({ userId: user.id, ip: clientIp(request) });
      return answer(intent, {
        message: result.sent
          ? `We sent a new link to ${result.email}. It works for 24 hours.`
          : "Your email address is already confirmed.",
      });
    }
    if (intent === "change-email") {
      const parsed = parseForm(form, changeSchema);
      if (!parsed.ok)
        return badRequest({ ...answer(intent, { fieldErrors: parsed.fieldErrors }), values: parsed.values });
      const { newEmail } = await requestEmailChange({
        userId: user.id,
        newEmail: parsed.data.newEmail,
        password: parsed.data.password,
        ip: clientIp(request),
        actor,
      });
      return answer(intent, {
        message: `Almost done: follow the link we sent to ${newEmail} within an hour. Until then you keep ${user.email}.`,
      });
    }
    if (intent === "notifications") {
      const enabled = form.getAll("topic").filter((value): value is string => typeof value === "string");
      await updateNotificationSettings({ userId: user.id, enabled, actor });
      return answer(intent, { message: "Notification settings saved." });
    }
  } catch (error) {
    return domainErrorResponse(error, (refusal) => ({
      ...answer(intent as Intent, {
        formError: refusal.field ? undefined : refusal.message,
        fieldErrors: refusal.field ? { [refusal.field]: refusal.message } : {},
      }),
      values: intent === "change-email" ? { newEmail: String(form.get("newEmail") ?? "") } : {},
    }));
  }
  return badRequest(answer("unknown", { formError: "Unknown action." }));
}

const DONE: Record<string, string> = {
  verified: "Your email address is confirmed.",
  changed: "Your email address is changed.",
};

function EmailSection() {
  const { email, verified, pendingEmail } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === "change-email";
  const mine = actionData?.intent === "change-email" ? actionData : null;
  const resent = actionData?.intent === "resend-verification" ? actionData : null;
  // Once the link is on its way, the form is emptied (the password above all).
  const changeForm = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (mine?.message) changeForm.current?.reset();
  }, [mine]);
  return (
    <section className="card space-y-5" aria-labelledby="email-heading">
      <div>
        <h2 id="email-heading" className="text-lg font-semibold">
          Email address
        </h2>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span className="break-all font-medium text-slate-900" data-testid="current-email">
            {email}
          </span>
          {verified ? (
            <span
              className="rounded-full bg-emerald-100 px-2.5 py-0.5 text-xs font-semibold text-emerald-800"
              data-testid="email-status"
            >
              Confirmed
            </span>
          ) : (
            <span
              className="rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-semibold text-amber-900"
              data-testid="email-status"
            >
              Not confirmed
            </span>
          )}
        </p>
      </div>
      {!verified ? (
        <VerifyEmailNotice email={email}>
          Confirm your email address: you can browse and buy meanwhile, but creators need it to publish.
        </VerifyEmailNotice>
      ) : null}
      {resent?.message && verified ? <Notice tone="success">{resent.message}</Notice> : null}
      <Form ref={changeForm} method="post" className="space-y-4 border-t border-slate-200 pt-5" noValidate>
        <input type="hidden" name="intent" value="change-email" />
        <div>
          <h3 className="font-semibold">Change your email</h3>
          <p className="mt-1 text-sm text-slate-600">
            We send a link to the new address; the change happens when you follow it, and we tell your current address.
            You stay signed in.
          </p>
        </div>
        {pendingEmail && !mine?.message ? (
          <Notice>
            Waiting for you to confirm <strong className="break-all">{pendingEmail}</strong> with the link we sent
            there.
          </Notice>
        ) : null}
        {mine?.message ? (
          <div data-testid="email-change-sent">
            <Notice tone="success">{mine.message}</Notice>
          </div>
        ) : null}
        <FormError message={mine?.formError} />
        <Field
          label="New email"
          name="newEmail"
          type="email"
          autoComplete="email"
          defaultValue={mine?.values?.newEmail}
          error={mine?.fieldErrors?.newEmail}
          required
        />
        <Field
          label="Current password"
          name="password"
          type="password"
          autoComplete="current-password"
          error={mine?.fieldErrors?.password}
          required
        />
        <button type="submit" className="btn-primary w-full sm:w-auto" disabled={busy}>
          {busy ? "Sending…" : "Send confirmation link"}
        </button>
      </Form>
    </section>
  );
}

const ALWAYS_SENT =
  "Receipts, password and security emails, and payment problems (a failed payment, a refund, a dispute) are always sent: you need them to use your account.";

function NotificationsSection() {
  const { topics } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === "notifications";
  const mine = actionData?.intent === "notifications" ? actionData : null;
  return (
    <section className="card space-y-4" aria-labelledby="notifications-heading">
      <div>
        <h2 id="notifications-heading" className="text-lg font-semibold">
          Email notifications
        </h2>
        <p className="mt-1 text-sm text-slate-600" data-testid="essential-note">
          {topics.length
            ? ALWAYS_SENT
            : `Every email we send you is essential, so there is nothing to turn off here. ${ALWAYS_SENT}`}
        </p>
      </div>
      {topics.length ? (
        <Form method="post" className="space-y-4">
          <input type="hidden" name="intent" value="notifications" />
          {mine?.message ? (
            <div data-testid="notifications-saved">
              <Notice tone="success">{mine.message}</Notice>
            </div>
          ) : null}
          <FormError message={mine?.formError} />
          <fieldset className="divide-y divide-slate-200 rounded-lg border border-slate-200">
            <legend className="sr-only">Emails you can turn off</legend>
            {topics.map((topic) => (
              <label key={topic.topic} className="flex cursor-pointer items-start gap-3 px-4 py-3 text-sm">
                <input
                  type="checkbox"
                  name="topic"
                  value={topic.topic}
                  defaultChecked={topic.enabled}
                  className="mt-0.5 h-4 w-4 shrink-0 accent-brand-600"
                />
                <span className="font-medium text-slate-900">{topic.label}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" className="btn-primary w-full sm:w-auto" disabled={busy}>
            {busy ? "Saving…" : "Save notification settings"}
          </button>
        </Form>
      ) : null}
    </section>
  );
}

export default function Settings() {
  const [searchParams] = useSearchParams();
  const actionData = useActionData<typeof action>();
  // The confirmation a followed link brought here; gone once something else is done on the page.
  const done = actionData ? undefined : DONE[searchParams.get("done") ?? ""];
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Settings</h1>
        <p className="mt-1 text-sm text-slate-600">Your email address and the emails you get from us.</p>
      </div>
      {done ? (
        <div data-testid="settings-done">
          <Notice tone="success">{done}</Notice>
        </div>
      ) : null}
      <EmailSection />
      <NotificationsSection />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
