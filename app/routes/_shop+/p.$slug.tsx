import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Notice } from "#app/components/forms.tsx";
import { intervalNoun, type PlanInterval, priceText, ProductCover } from "#app/components/product-card.tsx";
import { getProductPage } from "#app/domain/catalog.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { getUser } from "#app/utils/auth.server.ts";
import { formatBytes, yearlySavingPercent } from "#app/utils/format.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [
        { title: `${data.product.title} · ${data.product.creator.displayName} · Makers Market` },
        { name: "description", content: data.product.description.slice(0, 160) },
      ]
    : [{ title: "Product not found · Makers Market" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await getUser(request);
  const page = await getProductPage({ slug: params.slug ?? "", viewerId: user?.id ?? null });
  if (!page) throw new Response("We couldn't find that product.", { status: 404 });
  const { product, creator, purchase, isOwner } = page;
  return {
    product: {
      id: product.id,
      title: product.title,
      slug: product.slug,
      description: product.description,
      coverUrl: product.coverUrl,
      kind: product.kind,
      price: product.price,
      plans: product.plans,
      published: product.published,
      creator: { displayName: creator.displayName, slug: creator.slug },
      file: product.deliverableName
        ? { kind: fileKind(product.deliverableName), size: formatBytes(product.deliverableSizeBytes ?? 0) }
        : null,
    },
    purchase,
    isOwner,
  };
}

function fileKind(name: string) {
  const ext = name.split(".").pop()?.toUpperCase() ?? "";
  return ext.length > 0 && ext.length <= 5 ? ext : "File";
}

type Plan = { amount: number; currency: string; interval: PlanInterval };

const PLAN_NAMES: Record<PlanInterval, string> = { MONTH: "Monthly", YEAR: "Yearly" };

/** How much a yearly plan saves against twelve monthly payments, when it does. */
function yearlySaving(plans: Plan[]) {
  const monthly = plans.find((p) => p.interval === "MONTH");
  const yearly = plans.find((p) => p.interval === "YEAR");
  if (!monthly || !yearly || monthly.currency !== yearly.currency) return null;
  const percent = yearlySavingPercent(monthly.amount, yearly.amount);
  if (percent === null) return null;
  return { amount: monthly.amount * 12 - yearly.amount, currency: yearly.currency, percent };
}

type PlanChoice = { interval: PlanInterval; choose: (interval: PlanInterval) => void };

function SubscribeBox({ plans, trialDays, choice }: { plans: Plan[]; trialDays: number | null; choice: PlanChoice }) {
  const { product } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === "/checkout";
  const { interval, choose: chooseInterval } = choice;
  const chosen = plans.find((p) => p.interval === interval) ?? plans[0]!;
  const saving = yearlySaving(plans);
  return (
    <Form method="post" action="/checkout" className="space-y-3">
      <input type="hidden" name="productId" value={product.id} />
      {plans.length > 1 ? (
        <fieldset>
          <legend className="label">Choose your plan</legend>
          <div className="mt-1 space-y-2">
            {plans.map((plan) => (
              <label
                key={plan.interval}
                className={`flex cursor-pointer items-center gap-3 rounded-lg border px-3 py-2.5 text-sm transition ${
                  plan.interval === interval
                    ? "border-brand-600 bg-brand-50 ring-1 ring-brand-600"
                    : "border-slate-300 hover:border-slate-400"
                }`}
                data-testid={`plan-${plan.interval.toLowerCase()}`}
              >
                <input
                  type="radio"
                  name="interval"
                  value={plan.interval}
                  checked={plan.interval === interval}
                  onChange={() => chooseInterval(plan.interval)}
                  className="h-4 w-4 text-brand-600 focus:ring-brand-500"
                />
                <span className="flex-1">
                  <span className="block font-semibold">{PLAN_NAMES[plan.interval]}</span>
                  <span className="block text-slate-600">{priceText(plan, "/")}</span>
                </span>
                {plan.interval === "YEAR" && saving ? (
                  <span
                    className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800"
                    data-testid="yearly-saving"
                  >
                    Save {saving.percent}%
                  </span>
                ) : null}
              </label>
            ))}
          </div>
          {saving ? (
            <p className="mt-2 text-xs text-slate-500">
              Yearly costs {formatMoney(saving.amount, saving.currency)} less than twelve monthly payments.
            </p>
          ) : null}
        </fieldset>
      ) : (
        <input type="hidden" name="interval" value={chosen.interval} />
      )}
      {trialDays ? (
        <p className="rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="trial-text">
          <strong>{trialDays}-day free trial</strong>, then {priceText(chosen, "/")} — cancel anytime
        </p>
      ) : null}
      <button
        type="submit"
        className="btn-primary w-full py-3 text-base"
        data-testid="subscribe-button"
        disabled={busy}
      >
        {busy ? "Opening checkout…" : trialDays ? "Start free trial" : "Subscribe"}
      </button>
      <p className="text-center text-xs text-slate-500">
        Secure payment with Stripe. {trialDays ? "You won't be charged until the trial ends. " : ""}Manage or cancel
        from your library.
      </p>
    </Form>
  );
}

function BuyBox({ choice }: { choice: PlanChoice }) {
  const { product, purchase } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === "/checkout";
  const price = product.price ? formatMoney(product.price.amount, product.price.currency) : null;
  const isMembership = product.kind === "MEMBERSHIP";
  switch (purchase.kind) {
    case "owned":
      return (
        <Notice tone="success">
          <span data-testid="owned-notice">
            You own this —{" "}
            <Link to="/library" className="link">
              go to your library
            </Link>
          </span>
        </Notice>
      );
    case "member":
      return (
        <Notice tone="success">
          <span data-testid="member-notice">
            <strong>You're a member.</strong>{" "}
            <Link to="/library" className="link">
              Go to your library
            </Link>{" "}
            for downloads and billing.
          </span>
        </Notice>
      );
    case "subscribe":
      return <SubscribeBox plans={product.plans} trialDays={purchase.trialDays} choice={choice} />;
    case "own":
      return (
        <div className="space-y-3">
          <Notice tone={product.published ? "info" : "warning"}>
            {product.published
              ? `This is your product. Buyers see a ${isMembership ? "Subscribe" : "Buy"} button here.`
              : "Draft preview: only you can see this page until you publish it."}
          </Notice>
          <Link to={`/creator/products/${product.id}`} className="btn-secondary w-full">
            Edit product
          </Link>
        </div>
      );
    case "unavailable":
      return (
        <div role="status" data-testid="not-for-sale">
          <Notice tone="warning">
            {purchase.reason === "creator_cannot_charge"
              ? "This creator can't accept payments right now, so this product can't be bought at the moment. Please check back later."
              : `This ${isMembership ? "membership" : "product"} isn't for sale right now.`}
          </Notice>
        </div>
      );
    case "buy":
      return (
        <Form method="post" action="/checkout">
          <input type="hidden" name="productId" value={product.id} />
          <button type="submit" className="btn-primary w-full py-3 text-base" data-testid="buy-button" disabled={busy}>
            {busy ? "Opening checkout…" : `Buy for ${price}`}
          </button>
          <p className="mt-2 text-center text-xs text-slate-500">Secure payment with Stripe. Instant download.</p>
        </Form>
      );
  }
}

export default function ProductPage() {
  const { product } = useLoaderData<typeof loader>();
  // A membership's plan, chosen in the buy box; the headline price follows it.
  const [interval, choose] = useState<PlanInterval>(product.plans[0]?.interval ?? "MONTH");
  const shown = product.plans.find((plan) => plan.interval === interval) ?? product.price;
  return (
    <article className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem] lg:gap-8">
      <div className="lg:col-start-1 lg:row-start-1">
        <ProductCover title={product.title} coverUrl={product.coverUrl} large className="shadow-sm" />
      </div>
      <aside className="lg:sticky lg:top-6 lg:col-start-2 lg:row-span-2 lg:row-start-1 lg:self-start">
        <div className="card space-y-4">
          <div>
            <h1 className="text-2xl font-bold leading-tight">{product.title}</h1>
            <p className="mt-1 text-sm text-slate-600">
              by{" "}
              <Link to={`/c/${product.creator.slug}`} className="link">
                {product.creator.displayName}
              </Link>
            </p>
          </div>
          <p className="text-3xl font-bold" data-testid="product-price">
            {shown ? (
              <>
                {formatMoney(shown.amount, shown.currency)}
                {shown.interval ? (
                  <span className="text-base font-medium text-slate-500"> / {intervalNoun(shown.interval)}</span>
                ) : null}
              </>
            ) : (
              "Not for sale"
            )}
          </p>
          <BuyBox choice={{ interval, choose }} />
          {product.file ? (
            <p className="border-t border-slate-100 pt-3 text-sm text-slate-500">
              {product.kind === "MEMBERSHIP"
                ? `Members can download one ${product.file.kind} file (${product.file.size}).`
                : `Includes one ${product.file.kind} file (${product.file.size}).`}
            </p>
          ) : null}
        </div>
      </aside>
      <section aria-labelledby="about-heading" className="card lg:col-start-1 lg:row-start-2">
        <h2 id="about-heading" className="text-lg font-semibold">
          About this product
        </h2>
        {product.description ? (
          <p className="mt-3 whitespace-pre-line break-words text-slate-700" data-testid="product-description">
            {product.description}
          </p>
        ) : (
          <p className="mt-3 text-slate-500">The creator hasn't written a description yet.</p>
        )}
      </section>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
