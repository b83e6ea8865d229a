import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { ProductGrid } from "#app/components/product-card.tsx";
import { getCreatorPage } from "#app/domain/catalog.server.ts";
import { pageFrom } from "#app/utils/paging.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [
        { title: `${data.creator.displayName} · Makers Market` },
        { name: "description", content: data.creator.bio.slice(0, 160) || `Products by ${data.creator.displayName}` },
      ]
    : [{ title: "Creator not found · Makers Market" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const page = pageFrom(new URL(request.url).searchParams);
  const result = await getCreatorPage({ slug: params.slug ?? "", page });
  if (!result) throw new Response("We couldn't find that creator.", { status: 404 });
  const { chargesEnabled: _charges, id: _id, ...creator } = result.creator;
  return { ...result, creator };
}

export default function CreatorPage() {
  const { creator, products, page, pageCount, total } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-8">
      <section className="card flex flex-col gap-4 sm:flex-row sm:items-center">
        <span
          aria-hidden
          className="grid h-16 w-16 shrink-0 place-items-center rounded-full bg-gradient-to-br from-brand-500 to-brand-900 text-2xl font-bold text-white"
        >
          {creator.displayName.slice(0, 1).toUpperCase()}
        </span>
        <div className="min-w-0">
          <h1 className="text-2xl font-bold">{creator.displayName}</h1>
          {creator.bio ? (
            <p className="mt-1 whitespace-pre-line text-slate-600" data-testid="creator-bio">
              {creator.bio}
            </p>
          ) : null}
          <p className="mt-1 text-sm text-slate-500">
            {total} {total === 1 ? "product" : "products"}
          </p>
        </div>
      </section>
      <section aria-label="Products">
        {products.length === 0 ? (
          <EmptyState title="No products yet">This creator hasn't published anything yet.</EmptyState>
        ) : (
          <ProductGrid products={products} showCreator={false} />
        )}
        <Pagination page={page} pageCount={pageCount} />
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
