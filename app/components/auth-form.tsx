import { Form, Link, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";

/**
 * The log-in and sign-up card: a heading, a line under it, the form posting to this page (its fields are `children`)
 * with a full-width submit button that says `busyLabel` while this page's form is on its way, and under the card a
 * link to the other of the two pages.
 */
export function AuthForm({
  title,
  intro,
  path,
  submitLabel,
  busyLabel,
  other,
  children,
}: {
  title: string;
  intro: string;
  /** This page's path, to tell its own submission from others. */
  path: string;
  submitLabel: string;
  busyLabel: string;
  other: { question: string; to: string; label: string };
  children: ReactNode;
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === path;
  return (
    <div className="mx-auto max-w-md">
      <div className="card">
        <h1 className="text-2xl font-bold">{title}</h1>
        <p className="mt-1 text-sm text-slate-600">{intro}</p>
        <Form method="post" className="mt-6 space-y-4" noValidate>
          {children}
          <button type="submit" className="btn-primary w-full" disabled={busy}>
            {busy ? busyLabel : submitLabel}
          </button>
        </Form>
      </div>
      <p className="mt-4 text-center text-sm text-slate-600">
        {other.question}{" "}
        <Link to={other.to} className="link">
          {other.label}
        </Link>
      </p>
    </div>
  );
}
