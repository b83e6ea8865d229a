import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { FormError, Notice } from "#app/components/forms.tsx";
import { creatorStudio } from "#app/domain/creator-studio.server.ts";
import { STATUS_WORDS } from "#app/domain/onboarding-status.ts";
import { studioErrorMessage } from "#app/domain/studio-errors.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatBps } from "#app/utils/format.ts";

export const meta: MetaFunction = () => [{ title: "Creator studio · Makers Market" }];

const REQUIREMENT_WORDS: Record<string, string> = {
  external_account: "a bank account for payouts",
  "individual.id_number": "your ID number",
  "individual.verification.document": "an identity document",
  "individual.dob.day": "your date of birth",
  "individual.address.line1": "your address",
  "business_profile.url": "your website",
  "tos_acceptance.date": "accepting Stripe's terms",
};

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const studio = await creatorStudio(user.id);
  if (!studio) throw new Response("Your creator account is missing. Please contact support.", { status: 404 });
  return {
    ...studio,
    // `?error=` names a code; only a known one shows its message.
    error: studioErrorMessage(new URL(request.url).searchParams.get("error")),
  };
}

const TONES = {
  slate: "bg-slate-100 text-slate-700",
  amber: "bg-amber-100 text-amber-800",
  sky: "bg-sky-100 text-sky-800",
  emerald: "bg-emerald-100 text-emerald-800",
  red: "bg-red-100 text-red-800",
};

export default function CreatorStudio() {
  const { account, publishedCount, fee, error } = useLoaderData<typeof loader>();
  const feeWords = {
    override: "set for your account",
    partner: "partner rate",
    tier: "based on your sales so far",
    default: "standard rate",
  };
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const status = STATUS_WORDS[account.onboardingStatus];
  const busy = navigation.state !== "idle" && navigation.formAction?.startsWith("/creator/");
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold">Creator studio</h1>
          <p className="mt-1 text-sm text-slate-600">
            {account.displayName} ·{" "}
            <Link to={`/c/${account.slug}`} className="link">
              your public page
            </Link>
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Link to="/creator/dashboard" className="btn-secondary">
            Revenue dashboard
          </Link>
          <Link to="/creator/products" className="btn-primary">
            Manage products
          </Link>
        </div>
      </div>
      <FormError message={error} />
      {searchParams.get("onboarding") === "returned" && account.onboardingStatus === "ACTIVE" ? (
        <Notice tone="success">You're all set: Stripe has enabled payments and payouts for your account.</Notice>
      ) : null}

      <section className="card" aria-labelledby="payouts-heading" data-testid="onboarding-card">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="payouts-heading" className="text-lg font-semibold">
            Payments and payouts
          </h2>
          <span
            className={`rounded-full px-3 py-1 text-xs font-semibold ${TONES[status.tone]}`}
            data-testid="onboarding-status"
          >
            {status.label}
          </span>
        </div>
        <p className="mt-2 text-sm text-slate-600">{status.text}</p>
        {account.requirementsDue.length > 0 ? (
          <div className="mt-3 text-sm">
            <p className="font-medium text-slate-700">Stripe still needs:</p>
            <ul className="mt-1 list-inside list-disc text-slate-600" data-testid="requirements-due">
              {account.requirementsDue.map((requirement) => (
                <li key={requirement}>{REQUIREMENT_WORDS[requirement] ?? requirement.replace(/[._]/g, " ")}</li>
              ))}
            </ul>
          </div>
        ) : null}
        <dl className="mt-4 grid grid-cols-2 gap-3 text-sm sm:max-w-sm">
          <dt className="text-slate-500">Charges</dt>
          <dd>{account.chargesEnabled ? "Enabled" : "Not yet"}</dd>
          <dt className="text-slate-500">Payouts</dt>
          <dd>{account.payoutsEnabled ? "Enabled" : "Not yet"}</dd>
          <dt className="text-slate-500">Platform fee</dt>
          <dd data-testid="fee-rate">
            {formatBps(fee.bps, 2, { trim: true })} · {feeWords[fee.source]}
          </dd>
        </dl>
        <div className="mt-5 flex flex-wrap gap-3">
          {account.onboardingStatus !== "ACTIVE" ? (
            <Form method="post" action="/creator/onboarding">
              <button type="submit" className="btn-primary" disabled={busy} data-testid="start-onboarding">
                {account.onboardingStatus === "NOT_STARTED"
                  ? "Start selling — connect Stripe"
                  : "Continue Stripe setup"}
              </button>
            </Form>
          ) : null}
          {account.hasStripeAccount && account.onboardingStatus === "ACTIVE" ? (
            <Form method="post" action="/creator/stripe-dashboard">
              <button type="submit" className="btn-secondary" disabled={busy}>
                Open Stripe dashboard
              </button>
            </Form>
          ) : null}
        </div>
      </section>

      <section className="grid gap-4 sm:grid-cols-3">
        <div className="card">
          <p className="text-sm text-slate-500">Products</p>
          <p className="mt-1 text-2xl font-semibold">{account.productCount}</p>
        </div>
        <div className="card">
          <p className="text-sm text-slate-500">Published</p>
          <p className="mt-1 text-2xl font-semibold">{publishedCount}</p>
        </div>
        <div className="card">
          <p className="text-sm text-slate-500">Orders</p>
          <p className="mt-1 text-2xl font-semibold">{account.orderCount}</p>
        </div>
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
