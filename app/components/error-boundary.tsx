import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

const MESSAGES: Record<number, { title: string; body: string }> = {
  400: { title: "That request didn't look right", body: "Please go back and try again." },
  403: { title: "You don't have access to this page", body: "This page belongs to another kind of account." },
  404: { title: "Page not found", body: "We couldn't find what you were looking for." },
  429: { title: "Too many requests", body: "Please wait a moment and try again." },
};

/** The one error page every route uses: friendly words, no stack traces outside development. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  let status = 500;
  let detail: string | null = null;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    detail = typeof error.data === "string" ? error.data : null;
  } else if (import.meta.env.DEV && error instanceof Error) {
    detail = error.message;
  }
  const message = MESSAGES[status] ?? {
    title: "Something went wrong",
    body: "We've been notified. Please try again in a moment.",
  };
  return (
    <div className="mx-auto max-w-lg py-16 text-center" data-testid="error-page">
      <p className="text-sm font-semibold text-brand-600">Error {status}</p>
      <h1 className="mt-2 text-2xl font-bold text-slate-900">{message.title}</h1>
      <p className="mt-3 text-slate-600">{detail && status < 500 ? detail : message.body}</p>
      {detail && status >= 500 ? (
        <pre className="mt-4 overflow-auto text-left text-xs text-red-700">{detail}</pre>
      ) : null}
      <div className="mt-8 flex justify-center gap-3">
        <Link to="/" className="btn-primary">
          Go to the home page
        </Link>
      </div>
    </div>
  );
}
