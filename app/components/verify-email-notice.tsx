import { useFetcher } from "@remix-run/react";
import { Notice } from "./forms.tsx";

/**
 * "Confirm your email": where an unproven address stops something (publishing) or on every page as a reminder, with a
 * button that sends the link again (posted to the settings page; without JavaScript the browser goes there).
 */
export function VerifyEmailNotice({ email, children }: { email: string; children?: React.ReactNode }) {
  const fetcher = useFetcher<{ intent: string; message?: string | null; formError?: string | null }>();
  const busy = fetcher.state !== "idle";
  const answer = fetcher.data?.intent === "resend-verification" ? fetcher.data : null;
  return (
    <div data-testid="verify-email-notice">
      <Notice tone="warning">
        <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
          <p className="min-w-0">
            {children ?? "Confirm your email address."} We sent a link to <strong className="break-all">{email}</strong>
            .
          </p>
          <fetcher.Form method="post" action="/settings" className="shrink-0">
            <input type="hidden" name="intent" value="resend-verification" />
            <button type="submit" className="btn-secondary py-1.5" disabled={busy}>
              {busy ? "Sending…" : "Send the link again"}
            </button>
          </fetcher.Form>
        </div>
        {answer?.message ? (
          <p className="mt-2 font-medium" role="status">
            {answer.message}
          </p>
        ) : null}
        {answer?.formError ? (
          <p className="mt-2 font-medium text-red-700" role="alert">
            {answer.formError}
          </p>
        ) : null}
      </Notice>
    </div>
  );
}
