import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState, FormError } from "#app/components/forms.tsx";
import { priceText } from "#app/components/product-card.tsx";
import { ACCESS_GRANTING, ACCESS_WORDS, grantsAccess, listLibrary } from "#app/domain/entitlements.server.ts";
import {
  LIVE_MEMBERSHIP,
  listMemberships,
  MEMBERSHIP_STATUS_WORDS,
  openBillingPortal,
} from "#app/domain/memberships.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { paymentErrorMessage } from "#app/domain/stripe-errors.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { env } from "#app/utils/env.server.ts";
import { formatBytes, formatDate } from "#app/utils/format.ts";
import { parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "Your library · Makers Market" }];

type MembershipRow = Awaited<ReturnType<typeof listMemberships>>[number];

/** The one line that says where a membership stands in time, most important first. */
function scheduleOf(m: MembershipRow) {
  if (!LIVE_MEMBERSHIP.includes(m.status)) return { kind: "ended" as const, date: m.endedAt ?? m.canceledAt };
  if (m.cancelAtPeriodEnd || m.cancelAt) return { kind: "cancels" as const, date: m.cancelAt ?? m.currentPeriodEnd };
  if (m.status === "PAUSED" || m.pausedCollection) return { kind: "paused" as const, date: null };
  if (m.status === "INCOMPLETE") return { kind: "incomplete" as const, date: null };
  if (m.status === "PAST_DUE") return { kind: "past_due" as const, date: null };
  if (m.status === "TRIALING") return { kind: "trial" as const, date: m.trialEndsAt };
  return { kind: "renews" as const, date: m.currentPeriodEnd };
}

/** A renewal that needs the buyer: a failed card (update it in the portal) or a bank asking to confirm (Stripe's page). */
function problemOf(m: MembershipRow) {
  if (m.paymentProblem === "action_required" && m.paymentProblemUrl)
    return { kind: "action_required" as const, url: m.paymentProblemUrl };
  if (m.paymentProblem === "failed" || m.paymentProblem === "action_required")
    return { kind: "failed" as const, accessEndsAt: m.entitlement?.accessEndsAt ?? null };
  return null;
}

/** Why a live membership's file can't be downloaded now (ended and paused ones say so in their schedule line). */
function accessTextOf(m: MembershipRow, live: boolean, canDownload: boolean) {
  if (!live || canDownload || !m.entitlement || m.entitlement.status === "PAUSED") return null;
  if (m.entitlement.status === "GRACE") return "Downloads are on hold until your payment goes through.";
  return ACCESS_WORDS[m.entitlement.status];
}

function toMembershipView(m: MembershipRow) {
  const live = LIVE_MEMBERSHIP.includes(m.status);
  const canDownload = m.entitlement !== null && grantsAccess(m.entitlement) && m.product.deliverableName !== null;
  return {
    id: m.id,
    product: { title: m.product.title, slug: m.product.slug, creator: m.product.creator.displayName },
    status: m.status,
    statusText: MEMBERSHIP_STATUS_WORDS[m.status],
    live,
    amount: m.amount,
    currency: m.currency,
    interval: m.interval,
    schedule: scheduleOf(m),
    problem: problemOf(m),
    entitlementId: canDownload ? m.entitlement!.id : null,
    accessText: accessTextOf(m, live, canDownload),
    invoices: m.orders.map((order) => ({
      number: order.number,
      amount: order.totalAmount,
      refundedAmount: order.refundedAmount,
      currency: order.currency,
      paidAt: order.paidAt,
    })),
  };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: ["BUYER", "CREATOR"] });
  const [items, memberships] = await Promise.all([listLibrary(user.id), listMemberships(user.id)]);
  const views = memberships.map(toMembershipView);
  return {
    user: { name: user.name },
    // Live memberships first, each group newest first.
    memberships: [...views.filter((m) => m.live), ...views.filter((m) => !m.live)],
    items: items.map((item) => ({
      id: item.id,
      product: {
        title: item.product.title,
        slug: item.product.slug,
        creator: item.product.creator.displayName,
        sizeBytes: item.product.deliverableSizeBytes,
      },
      order: {
        number: item.order.number,
        totalAmount: item.order.totalAmount,
        refundedAmount: item.order.refundedAmount,
        currency: item.order.currency,
      },
      canDownload: ACCESS_GRANTING.includes(item.status),
      statusText: ACCESS_WORDS[item.status],
    })),
  };
}

const billingSchema = z.object({
  intent: z.literal("manage-billing"),
  membershipId: z.string().trim().min(1).max(64),
});

/** "Manage billing": a Stripe billing portal session for the membership's customer, then off to it. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: ["BUYER", "CREATOR"] });
  const parsed = parseForm(await request.formData(), billingSchema);
  if (!parsed.ok) return data({ error: "Choose a membership to manage.", membershipId: null }, { status: 400 });
  const { membershipId } = parsed.data;
  let url: string | null;
  try {
    url = await openBillingPortal({ buyerId: user.id, membershipId, returnUrl: `${env().APP_URL}/library` });
  } catch (error) {
    const message = paymentErrorMessage(error);
    if (message) return data({ error: message, membershipId }, { status: 502 });
    throw error;
  }
  if (!url) throw new Response("We couldn't find that membership.", { status: 404 });
  return redirect(url, 303);
}

const longDate = (iso: string | Date) => formatDate(iso, "long");

type MembershipView = ReturnType<typeof useLoaderData<typeof loader>>["memberships"][number];

const STATUS_TONES: Record<MembershipView["status"], string> = {
  TRIALING: "bg-sky-100 text-sky-800",
  ACTIVE: "bg-emerald-100 text-emerald-800",
  PAST_DUE: "bg-red-100 text-red-800",
  PAUSED: "bg-amber-100 text-amber-800",
  INCOMPLETE: "bg-amber-100 text-amber-800",
  INCOMPLETE_EXPIRED: "bg-slate-100 text-slate-700",
  UNPAID: "bg-slate-100 text-slate-700",
  CANCELED: "bg-slate-100 text-slate-700",
};

function ScheduleLine({ membership }: { membership: MembershipView }) {
  const { schedule } = membership;
  const price = priceText(membership, "/");
  const on = (date: string | Date | null) => (date ? ` on ${longDate(date)}` : "");
  const text = {
    trial: schedule.date ? `Free trial until ${longDate(schedule.date)}, then ${price}` : `Free trial, then ${price}`,
    renews: schedule.date
      ? `Renews${on(schedule.date)} for ${price}`
      : `Renews every ${membership.interval === "YEAR" ? "year" : "month"}`,
    cancels: schedule.date
      ? `Cancels${on(schedule.date)} — you keep access until then`
      : "Cancels at the end of this period — you keep access until then",
    paused: "Paused — no charges and no downloads until it resumes",
    incomplete: "Waiting for the first payment to go through",
    past_due: "The renewal payment didn't go through — it will be retried automatically",
    ended: `Ended${on(schedule.date)}`,
  }[schedule.kind];
  const tone =
    schedule.kind === "cancels" || schedule.kind === "paused" || schedule.kind === "incomplete"
      ? "text-amber-700"
      : "text-slate-600";
  return (
    <p className={`mt-1 text-sm ${tone}`} data-testid="membership-schedule">
      {text}
    </p>
  );
}

function ManageBillingButton({
  membershipId,
  tone = "secondary",
}: {
  membershipId: string;
  tone?: "secondary" | "danger";
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.get("membershipId") === membershipId;
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="manage-billing" />
      <input type="hidden" name="membershipId" value={membershipId} />
      <button
        type="submit"
        className={tone === "danger" ? "btn-danger" : "btn-secondary"}
        disabled={busy}
        data-testid="manage-billing"
      >
        {busy ? "Opening billing…" : "Manage billing"}
      </button>
    </Form>
  );
}

/** A red alert over a membership card: what happened (`children`) and the one button that fixes it. */
function ProblemAlert({ children, action }: { children: ReactNode; action: ReactNode }) {
  return (
    <div
      role="alert"
      className="flex flex-col gap-3 rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 sm:flex-row sm:items-center"
      data-testid="payment-problem"
    >
      <p className="flex-1">{children}</p>
      {action}
    </div>
  );
}

function PaymentProblem({ membership }: { membership: MembershipView }) {
  const { problem } = membership;
  if (!problem) return null;
  if (problem.kind === "action_required")
    return (
      <ProblemAlert
        action={
          <a href={problem.url} className="btn-danger" rel="noreferrer" data-testid="confirm-payment">
            Confirm payment
          </a>
        }
      >
        <strong>Your bank needs you to confirm the payment</strong> for your {priceText(membership, "/")} renewal.
      </ProblemAlert>
    );
  const endsAt = problem.accessEndsAt ? new Date(problem.accessEndsAt) : null;
  const lapsed = endsAt !== null && endsAt.getTime() <= Date.now();
  return (
    <ProblemAlert action={<ManageBillingButton membershipId={membership.id} tone="danger" />}>
      <strong>Your last payment failed.</strong>{" "}
      {endsAt && !lapsed
        ? `Update your card by ${longDate(endsAt)} to keep access.`
        : lapsed
          ? "Your access is on hold — update your card to get it back."
          : "Update your card to keep your membership."}
    </ProblemAlert>
  );
}

function MembershipCard({ membership, error }: { membership: MembershipView; error: string | null }) {
  return (
    <li className="card space-y-4 p-4" data-testid="membership">
      <PaymentProblem membership={membership} />
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <Link to={`/p/${membership.product.slug}`} className="font-semibold hover:underline">
              {membership.product.title}
            </Link>
            <span
              className={`rounded-full px-2 py-0.5 text-xs font-semibold ${STATUS_TONES[membership.status]}`}
              data-testid="membership-status"
            >
              {membership.statusText}
            </span>
          </div>
          <p className="text-sm text-slate-500">
            by {membership.product.creator} · {priceText(membership)}
          </p>
          <ScheduleLine membership={membership} />
          {membership.accessText ? <p className="mt-1 text-xs text-amber-700">{membership.accessText}</p> : null}
        </div>
        <div className="flex flex-wrap gap-2 sm:justify-end">
          {membership.entitlementId ? (
            <a
              href={`/library/download/${membership.entitlementId}`}
              className="btn-primary"
              data-testid="membership-download"
              download
            >
              Download
            </a>
          ) : null}
          {membership.problem?.kind === "failed" ? null : membership.live ? (
            <ManageBillingButton membershipId={membership.id} />
          ) : (
            <Link to={`/p/${membership.product.slug}`} className="btn-secondary">
              Join again
            </Link>
          )}
        </div>
      </div>
      <FormError message={error} />
      <div className="border-t border-slate-100 pt-3">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Recent invoices</h3>
        {membership.invoices.length === 0 ? (
          <p className="mt-1 text-sm text-slate-500">
            {membership.schedule.kind === "trial"
              ? "No charges yet — your first one comes after the trial."
              : "No invoices yet."}
          </p>
        ) : (
          <ul className="mt-1 divide-y divide-slate-100 text-sm" data-testid="membership-invoices">
            {membership.invoices.map((invoice) => (
              <li key={invoice.number} className="flex items-center gap-3 py-1.5">
                <span className="w-28 text-slate-600">{formatDate(invoice.paidAt)}</span>
                <span className="flex-1">
                  {formatMoney(invoice.amount, invoice.currency)}
                  {invoice.refundedAmount > 0 ? (
                    <span className="text-slate-500">
                      {" "}
                      · {formatMoney(invoice.refundedAmount, invoice.currency)} refunded
                    </span>
                  ) : null}
                </span>
                <Link to={`/library/orders/${invoice.number}`} className="link">
                  Receipt #{invoice.number}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </div>
    </li>
  );
}

export default function Library() {
  const { user, items, memberships } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <div>
      <h1 className="text-2xl font-bold">Your library</h1>
      <p className="mt-1 text-sm text-slate-600">Everything you've bought or joined, {user.name}, ready to download.</p>
      {actionData && !actionData.membershipId ? (
        <div className="mt-4">
          <FormError message={actionData.error} />
        </div>
      ) : null}
      {items.length === 0 && memberships.length === 0 ? (
        <div className="mt-6">
          <EmptyState title="Nothing here yet">
            Products you buy and memberships you join appear here, with their downloads.{" "}
            <Link to="/" className="link">
              Discover products
            </Link>
          </EmptyState>
        </div>
      ) : null}
      {memberships.length > 0 ? (
        <section aria-labelledby="memberships-heading" className="mt-6">
          <h2 id="memberships-heading" className="text-lg font-semibold">
            Memberships
          </h2>
          <ul className="mt-3 space-y-3">
            {memberships.map((membership) => (
              <MembershipCard
                key={membership.id}
                membership={membership}
                error={actionData?.membershipId === membership.id ? actionData.error : null}
              />
            ))}
          </ul>
        </section>
      ) : null}
      {items.length > 0 ? (
        <section aria-labelledby="purchases-heading" className="mt-8">
          <h2 id="purchases-heading" className={memberships.length > 0 ? "text-lg font-semibold" : "sr-only"}>
            Purchases
          </h2>
          <ul className="mt-3 space-y-3">
            {items.map((item) => (
              <li
                key={item.id}
                className="card flex flex-col gap-3 p-4 sm:flex-row sm:items-center"
                data-testid="library-item"
              >
                <div className="flex-1">
                  <Link to={`/p/${item.product.slug}`} className="font-semibold hover:underline">
                    {item.product.title}
                  </Link>
                  <p className="text-sm text-slate-500">
                    by {item.product.creator} · order{" "}
                    <Link to={`/library/orders/${item.order.number}`} className="link">
                      #{item.order.number}
                    </Link>{" "}
                    · {formatMoney(item.order.totalAmount, item.order.currency)}
                    {item.order.refundedAmount > 0
                      ? ` · ${formatMoney(item.order.refundedAmount, item.order.currency)} refunded`
                      : ""}
                  </p>
                  <p className={`mt-1 text-xs ${item.canDownload ? "text-emerald-700" : "text-amber-700"}`}>
                    {item.statusText}
                  </p>
                </div>
                {item.canDownload ? (
                  <a href={`/library/download/${item.id}`} className="btn-primary" data-testid="download-link" download>
                    Download{item.product.sizeBytes ? ` (${formatBytes(item.product.sizeBytes)})` : ""}
                  </a>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
