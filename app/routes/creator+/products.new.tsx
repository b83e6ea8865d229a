import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { PageHeading } from "#app/components/dashboard.tsx";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Notice } from "#app/components/forms.tsx";
import { ProductForm } from "#app/components/product-form.tsx";
import { actorFromRequest } from "#app/domain/audit.server.ts";
import { domainErrorResponse } from "#app/domain/error-responses.server.ts";
import { getCreatorStudioSummary, rethrowAsNotFound } from "#app/domain/own-products.server.ts";
import { submittedValues } from "#app/domain/product-form.ts";
import { parseProductSubmission } from "#app/domain/product-submission.server.ts";
import { createProduct } from "#app/domain/products.server.ts";
import { uploadHints } from "#app/domain/uploads.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { badRequest } from "#app/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "New product · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const creator = await getCreatorStudioSummary(user.id).catch(rethrowAsNotFound);
  return { defaultCurrency: creator.defaultCurrency, chargesEnabled: creator.chargesEnabled, accept: uploadHints() };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const submission = await parseProductSubmission(request);
  if (!submission.ok) {
    const { fieldErrors, values, formError, status } = submission;
    return badRequest(
      { fieldErrors, values, formError: formError ?? "Please correct the highlighted fields." },
      status,
    );
  }
  try {
    const product = await createProduct({
      userId: user.id,
      data: submission.data,
      files: submission.files,
      actor: actorFromRequest(request, user.id),
    });
    // A membership saved while Stripe was unreachable says so on the next page (its prices are made at checkout).
    return redirect(
      `/creator/products/${product.id}?saved=created${product.stripe === "unreachable" ? "&stripe=unreachable" : ""}`,
    );
  } catch (error) {
    return domainErrorResponse(
      error,
      (refusal) => ({
        fieldErrors: refusal.field ? { [refusal.field]: refusal.message } : {},
        values: submittedValues(submission.data),
        formError: refusal.field ? "Please correct the highlighted fields." : refusal.message,
      }),
      { page: (refusal) => refusal.status === 404 },
    );
  }
}

export default function NewProduct() {
  const { defaultCurrency, chargesEnabled, accept } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const values: Record<string, string | undefined> = actionData?.values ?? { currency: defaultCurrency };
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <PageHeading
        trail={{ to: "/creator/products", label: "Your products" }}
        here="New"
        title="New product"
        subtitle="It's saved as a draft; publish it when it's ready."
      />
      {!chargesEnabled ? (
        <Notice tone="warning">
          You can publish products once you finish Stripe onboarding on your{" "}
          <Link to="/creator" className="link">
            creator studio
          </Link>
          .
        </Notice>
      ) : null}
      <div className="card">
        <ProductForm
          values={values}
          errors={actionData?.fieldErrors ?? {}}
          formError={actionData?.formError}
          submitLabel="Create product"
          busyLabel="Creating…"
          accept={accept}
        />
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
