import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { PageHeading } from "#app/components/dashboard.tsx";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState, Notice } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { ProductCover } from "#app/components/product-card.tsx";
import { coverUrl } from "#app/domain/catalog.server.ts";
import {
  describePrices,
  describeTrial,
  getCreatorStudioSummary,
  listOwnProducts,
  rethrowAsNotFound,
} from "#app/domain/own-products.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { pageFrom } from "#app/utils/paging.ts";

export const meta: MetaFunction = () => [{ title: "Your products · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const page = pageFrom(new URL(request.url).searchParams);
  const [creator, list] = await Promise.all([
    getCreatorStudioSummary(user.id).catch(rethrowAsNotFound),
    listOwnProducts({ userId: user.id, page }),
  ]);
  return {
    chargesEnabled: creator.chargesEnabled,
    ...list,
    products: list.products.map((p) => ({
      id: p.id,
      title: p.title,
      slug: p.slug,
      published: p.published,
      kind: p.kind,
      prices: p.prices.length ? describePrices(p.prices) : null,
      trial: describeTrial(p.trialDays),
      coverUrl: coverUrl(p),
      // A membership's file is optional.
      missingFile: p.kind === "DOWNLOAD" && !p.deliverablePath,
      // A membership's orders are its invoices (renewals included): its current members say more.
      sales: p.kind === "MEMBERSHIP" ? null : p._count.orderItems,
      members: p.kind === "MEMBERSHIP" ? p._count.memberships : null,
    })),
  };
}

export default function CreatorProducts() {
  const { products, page, pageCount, total, chargesEnabled } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  return (
    <div className="space-y-6">
      <PageHeading trail={{ to: "/creator", label: "Creator studio" }} here="Products" title="Your products">
        <Link to="/creator/products/new" className="btn-primary">
          New product
        </Link>
      </PageHeading>
      {searchParams.get("created") ? <Notice tone="success">Product saved as a draft.</Notice> : null}
      {!chargesEnabled ? (
        <Notice tone="warning">
          You can create drafts now, but you can publish them only after you finish Stripe onboarding on your{" "}
          <Link to="/creator" className="link">
            creator studio
          </Link>
          .
        </Notice>
      ) : null}
      {products.length === 0 ? (
        <EmptyState title="No products yet">
          Add your first product: a file buyers pay for once, or a membership they pay for monthly or yearly.
          <div className="mt-4">
            <Link to="/creator/products/new" className="btn-primary">
              Create a product
            </Link>
          </div>
        </EmptyState>
      ) : (
        <div className="card overflow-hidden p-0">
          <p className="border-b border-slate-100 px-4 py-3 text-sm text-slate-500">
            {total} {total === 1 ? "product" : "products"}
          </p>
          <ul className="divide-y divide-slate-100">
            {products.map((product) => (
              <li key={product.id} className="flex items-center gap-4 px-4 py-3" data-testid="creator-product-row">
                <div className="w-16 shrink-0">
                  <ProductCover title={product.title} coverUrl={product.coverUrl} className="text-xl" />
                </div>
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-center gap-2">
                    <Link
                      to={`/creator/products/${product.id}`}
                      className="font-semibold text-slate-900 hover:underline"
                    >
                      {product.title}
                    </Link>
                    {product.kind === "MEMBERSHIP" ? (
                      <span
                        className="rounded-full bg-brand-50 px-2 py-0.5 text-xs font-semibold text-brand-700"
                        data-testid="product-kind"
                      >
                        Membership
                      </span>
                    ) : null}
                  </div>
                  <p className="truncate text-xs text-slate-500">
                    /p/{product.slug}
                    {product.missingFile ? " · no file yet" : ""}
                    {product.trial ? ` · ${product.trial}` : ""}
                    {product.sales ? ` · ${product.sales} sold` : ""}
                    {product.members ? ` · ${product.members} ${product.members === 1 ? "member" : "members"}` : ""}
                  </p>
                  {product.kind === "MEMBERSHIP" ? (
                    <p className="mt-0.5 text-sm font-medium text-slate-800 sm:hidden" data-testid="product-prices">
                      {product.prices ?? "No price yet"}
                    </p>
                  ) : null}
                </div>
                <span
                  className={`hidden rounded-full px-2.5 py-0.5 text-xs font-semibold sm:inline ${product.published ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-700"}`}
                  data-testid="product-status"
                >
                  {product.published ? "Published" : "Draft"}
                </span>
                <span
                  className={`text-right text-sm font-medium ${product.kind === "MEMBERSHIP" ? "hidden whitespace-nowrap sm:inline" : "w-24"}`}
                  data-testid={product.kind === "MEMBERSHIP" ? undefined : "product-prices"}
                >
                  {product.prices ?? "—"}
                </span>
                <Link to={`/creator/products/${product.id}`} className="btn-secondary py-1.5">
                  Edit
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      <Pagination page={page} pageCount={pageCount} />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
