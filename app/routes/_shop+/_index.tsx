import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { EmptyState } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { ProductGrid } from "#app/components/product-card.tsx";
import { listPublishedProducts } from "#app/domain/catalog.server.ts";
import { pageFrom } from "#app/utils/paging.ts";

const querySchema = z.object({
  q: z.string().trim().max(100).catch(""),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const page = pageFrom(params);
  const { q } = querySchema.parse({ q: "", ...Object.fromEntries(params) });
  return listPublishedProducts({ page, query: q });
}

export default function Home() {
  const { products, page, pageCount, total, query } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const searching = navigation.state === "loading" && navigation.location.pathname === "/";
  return (
    <div className="space-y-10">
      <section className="rounded-2xl bg-gradient-to-br from-brand-600 to-brand-900 px-6 py-12 text-white sm:px-12">
        <h1 className="max-w-2xl text-3xl font-bold tracking-tight sm:text-4xl">
          Digital goods, straight from the people who make them.
        </h1>
        <p className="mt-4 max-w-xl text-brand-100">
          Templates, presets, e-books and more. Pay once with Stripe, download forever, and the creator gets paid
          directly.
        </p>
        <div className="mt-6 flex flex-wrap gap-3">
          <a href="#products" className="btn bg-white text-brand-700 hover:bg-brand-50">
            Browse products
          </a>
          <Link to="/signup" className="btn border border-white/40 text-white hover:bg-white/10">
            Start selling
          </Link>
        </div>
      </section>

      <section id="products" aria-labelledby="products-heading">
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h2 id="products-heading" className="text-xl font-semibold">
              {query ? `Results for “${query}”` : "Latest products"}
            </h2>
            <p className="text-sm text-slate-500" data-testid="product-total">
              {total} {total === 1 ? "product" : "products"}
              {query ? (
                <>
                  {" · "}
                  <Link to="/#products" className="link">
                    clear search
                  </Link>
                </>
              ) : (
                " available"
              )}
            </p>
          </div>
          <Form method="get" role="search" className="flex w-full gap-2 sm:w-auto">
            <label htmlFor="search" className="sr-only">
              Search products
            </label>
            <input
              id="search"
              type="search"
              name="q"
              defaultValue={query}
              key={query}
              placeholder="Search products"
              maxLength={100}
              className="input sm:w-72"
            />
            <button type="submit" className="btn-secondary" disabled={searching}>
              {searching ? "Searching…" : "Search"}
            </button>
          </Form>
        </div>
        {products.length === 0 ? (
          <div className="mt-4">
            {query ? (
              <EmptyState title="Nothing matches your search">Try another word, or browse everything.</EmptyState>
            ) : (
              <EmptyState title="No products yet">Creators are setting up their shops. Check back soon.</EmptyState>
            )}
          </div>
        ) : (
          <ProductGrid products={products} />
        )}
        <Pagination page={page} pageCount={pageCount} />
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
