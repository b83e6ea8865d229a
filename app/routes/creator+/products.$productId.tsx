import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { PageHeading } from "#app/components/dashboard.tsx";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { FormError, Notice } from "#app/components/forms.tsx";
import { ProductForm } from "#app/components/product-form.tsx";
import { VerifyEmailNotice } from "#app/components/verify-email-notice.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { coverUrl } from "#app/domain/catalog.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import {
  describePrices,
  describeTrial,
  getCreatorStudioSummary,
  getOwnedProduct,
  rethrowAsNotFound,
} from "#app/domain/own-products.server.ts";
import { priceInputs, submittedValues } from "#app/domain/product-form.ts";
import { STRIPE_UNREACHABLE, type StripeSetup } from "#app/domain/product-prices.server.ts";
import { parseProductSubmission } from "#app/domain/product-submission.server.ts";
import { publishProduct, unpublishProduct, updateProduct } from "#app/domain/products.server.ts";
import { uploadHints } from "#app/domain/uploads.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { formatBytes } from "#app/utils/format.ts";
import { badRequest, parseForm } from "#app/utils/forms.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.product.title ?? "Product"} · Edit · Makers Market` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const [creator, product] = await Promise.all([
    getCreatorStudioSummary(user.id).catch(rethrowAsNotFound),
    // A product the viewer doesn't own answers exactly like one that doesn't exist.
    getOwnedProduct({ userId: user.id, productId: params.productId ?? "" }).catch(rethrowAsNotFound),
  ]);
  return {
    chargesEnabled: creator.chargesEnabled,
    // Publishing needs a confirmed address: the status panel says so, with "send the link again".
    unverifiedEmail: user.emailVerifiedAt ? null : user.email,
    accept: uploadHints(),
    // After a membership save that couldn't reach Stripe (see `savedUrl`).
    stripeWarning: new URL(request.url).searchParams.get("stripe") === "unreachable" ? STRIPE_UNREACHABLE : null,
    product: {
      id: product.id,
      title: product.title,
      slug: product.slug,
      description: product.description,
      published: product.published,
      kind: product.kind,
      currency: product.price?.currency ?? "usd",
      priceInputs: product.price ? priceInputs(product.prices, product.price.currency) : {},
      priceSummary: product.prices.length ? describePrices(product.prices) : null,
      trialDays: product.trialDays,
      trial: describeTrial(product.trialDays),
      coverUrl: coverUrl(product),
      deliverable: product.deliverableName
        ? { name: product.deliverableName, size: formatBytes(product.deliverableSizeBytes ?? 0) }
        : null,
    },
  };
}

const intentSchema = z.object({ intent: z.enum(["publish", "unpublish"]) });

/** Where a save lands; a membership saved while Stripe was unreachable carries that along for the warning. */
function savedUrl(productId: string, saved: string, stripe: StripeSetup) {
  return `/creator/products/${productId}?saved=${saved}${stripe === "unreachable" ? "&stripe=unreachable" : ""}`;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const productId = params.productId ?? "";
  const actor = actorFromRequest(request, user.id);
  const isUpload = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");

  if (!isUpload) {
    const parsed = parseForm(await request.formData(), intentSchema);
    if (!parsed.ok)
      return badRequest({ intent: "unknown", formError: "Unknown action.", fieldErrors: {}, values: null });
    try {
      if (parsed.data.intent === "publish") {
        const published = await publishProduct({ userId: user.id, productId, actor });
        return redirect(savedUrl(productId, "published", published.stripe));
      }
      await unpublishProduct({ userId: user.id, productId, actor });
      return redirect(savedUrl(productId, "unpublished", null));
    } catch (error) {
      return domainErrorResponse(
        error,
        (refusal) => ({ intent: parsed.data.intent, formError: refusal.message, fieldErrors: {}, values: null }),
        { page: (refusal) => refusal.status === 404 },
      );
    }
  }

  const submission = await parseProductSubmission(request);
  if (!submission.ok) {
    const { fieldErrors, values, formError, status } = submission;
    return badRequest(
      { intent: "save", fieldErrors, values, formError: formError ?? "Please correct the highlighted fields." },
      status,
    );
  }
  try {
    const result = await updateProduct({
      userId: user.id,
      productId,
      data: submission.data,
      files: submission.files,
      actor,
    });
    return redirect(savedUrl(productId, "updated", result.stripe));
  } catch (error) {
    return domainErrorResponse(
      error,
      (refusal) => ({
        intent: "save",
        fieldErrors: refusal.field ? { [refusal.field]: refusal.message } : {},
        values: submittedValues(submission.data),
        formError: refusal.field ? "Please correct the highlighted fields." : refusal.message,
      }),
      { page: (refusal) => refusal.status === 404 },
    );
  }
}

const SAVED_WORDS: Record<string, string> = {
  created: "Product created as a draft. Publish it when you're ready.",
  updated: "Changes saved.",
  published: "Published: your product is on sale.",
  unpublished: "Unpublished: the product is hidden from the storefront.",
};

const KEEP_ACCESS = {
  DOWNLOAD: "buyers keep their downloads",
  MEMBERSHIP: "existing members keep their memberships",
} as const;

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function StatusPanel() {
  const { product, chargesEnabled, unverifiedEmail } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const pending = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const error = actionData && actionData.intent !== "save" ? actionData.formError : null;
  return (
    <section className="card space-y-4" aria-labelledby="status-heading">
      <div className="flex items-center justify-between gap-3">
        <h2 id="status-heading" className="text-lg font-semibold">
          Status
        </h2>
        <span
          className={`rounded-full px-2.5 py-0.5 text-xs font-semibold ${product.published ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-700"}`}
          data-testid="product-status"
        >
          {product.published ? "Published" : "Draft"}
        </span>
      </div>
      <FormError message={error} />
      {product.published ? (
        <>
          <p className="text-sm text-slate-600">
            On sale at{" "}
            <Link to={`/p/${product.slug}`} className="link break-all">
              /p/{product.slug}
            </Link>
            {product.priceSummary ? ` for ${product.priceSummary}` : ""}
            {product.trial ? `, with a ${product.trial}` : ""}.
          </p>
          {!chargesEnabled ? (
            <Notice tone="warning">
              Stripe has paused payments on your account, so buyers see that you can't accept payments right now.
            </Notice>
          ) : null}
          <Form method="post">
            <input type="hidden" name="intent" value="unpublish" />
            <button
              type="submit"
              className="btn-secondary w-full"
              disabled={pending === "unpublish"}
              onClick={(event) => {
                if (
                  !confirm(`Unpublish this product? It disappears from the storefront; ${KEEP_ACCESS[product.kind]}.`)
                )
                  event.preventDefault();
              }}
            >
              {pending === "unpublish" ? "Unpublishing…" : "Unpublish"}
            </button>
          </Form>
        </>
      ) : (
        <>
          <p className="text-sm text-slate-600">
            Only you can see this draft:{" "}
            <Link to={`/p/${product.slug}`} className="link">
              preview it
            </Link>
            .
          </p>
          {!chargesEnabled ? (
            <Notice tone="warning">
              To publish, finish Stripe onboarding on your{" "}
              <Link to="/creator" className="link">
                creator studio
              </Link>{" "}
              so you can accept payments.
            </Notice>
          ) : null}
          {unverifiedEmail ? (
            <VerifyEmailNotice email={unverifiedEmail}>To publish, confirm your email address.</VerifyEmailNotice>
          ) : null}
          <Form method="post">
            <input type="hidden" name="intent" value="publish" />
            <button type="submit" className="btn-primary w-full" disabled={pending === "publish"}>
              {pending === "publish" ? "Publishing…" : "Publish"}
            </button>
          </Form>
        </>
      )}
    </section>
  );
}

export default function EditProduct() {
  const { product, accept, stripeWarning } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const savedKey = searchParams.get("saved") ?? "";
  let saved = SAVED_WORDS[savedKey];
  if (saved && savedKey === "unpublished") saved += ` ${capitalized(KEEP_ACCESS[product.kind])}.`;
  const saveData = actionData?.intent === "save" ? actionData : null;
  const values: Record<string, string | undefined> = saveData?.values ?? {
    title: product.title,
    slug: product.slug,
    description: product.description,
    kind: product.kind,
    ...product.priceInputs,
    trialDays: product.trialDays ? String(product.trialDays) : "",
    currency: product.currency,
  };
  return (
    <div className="space-y-6">
      <PageHeading trail={{ to: "/creator/products", label: "Your products" }} here="Edit" title={product.title} />
      {saved && !actionData ? (
        stripeWarning ? (
          <Notice tone="warning">{stripeWarning}</Notice>
        ) : (
          <Notice tone="success">{saved}</Notice>
        )
      ) : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_18rem]">
        <div className="card order-2 lg:order-1">
          <ProductForm
            key={product.id}
            values={values}
            errors={saveData?.fieldErrors ?? {}}
            formError={saveData?.formError}
            files={{ coverUrl: product.coverUrl, title: product.title, deliverable: product.deliverable }}
            fixedKind={product.kind}
            submitLabel="Save changes"
            busyLabel="Saving…"
            accept={accept}
          />
        </div>
        <div className="order-1 lg:order-2">
          <StatusPanel />
        </div>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
