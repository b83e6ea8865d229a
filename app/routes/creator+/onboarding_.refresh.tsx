// Stripe sends the creator here (a GET) when an onboarding link expired or was already used. Making a fresh link is
// a write (it may create the Stripe account and always creates a link), so the GET only shows a button that POSTs to
// /creator/onboarding, which starts or resumes onboarding and goes back to Stripe.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Continue setting up payments · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "CREATOR" });
  return null;
}

export default function OnboardingRefresh() {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === "/creator/onboarding";
  return (
    <div className="card mx-auto max-w-lg text-center" data-testid="onboarding-refresh">
      <h1 className="text-2xl font-bold">That Stripe link has expired</h1>
      <p className="mt-3 text-slate-600">
        Links to Stripe's onboarding work once and only for a few minutes. Nothing you entered is lost: continue where
        you left off with a fresh link.
      </p>
      <Form method="post" action="/creator/onboarding" className="mt-6 flex justify-center gap-3">
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? "Opening Stripe…" : "Continue with Stripe"}
        </button>
        <Link to="/creator" className="btn-secondary">
          Back to the studio
        </Link>
      </Form>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
