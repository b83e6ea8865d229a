import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { EmptyState } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";
import { listPublishedProducts } from "#app/domain/catalog.server.ts";
import { formatMoney } from "#app/domain/money.ts";

const querySchema = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });

export async function loader({ request }: LoaderFunctionArgs) {
  const { page } = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return listPublishedProducts({ page });
}

export default function Home() {
  const { products, page, pageCount, total } = useLoaderData<typeof loader>();
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
        <div className="flex items-baseline justify-between">
          <h2 id="products-heading" className="text-xl font-semibold">
            Latest products
          </h2>
          <p className="text-sm text-slate-500">{total} available</p>
        </div>
        {products.length === 0 ? (
          <div className="mt-4">
            <EmptyState title="No products yet">Creators are setting up their shops. Check back soon.</EmptyState>
          </div>
        ) : (
          <ul className="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {products.map((product) => (
              <li key={product.id} className="card flex flex-col" data-testid="product-card">
                <div
                  aria-hidden
                  className="mb-4 grid h-32 place-items-center rounded-lg bg-gradient-to-br from-slate-100 to-brand-100 text-3xl font-bold text-brand-700"
                >
                  {product.title.slice(0, 1)}
                </div>
                <h3 className="font-semibold text-slate-900">{product.title}</h3>
                <p className="text-sm text-slate-500">by {product.creator.displayName}</p>
                <p className="mt-2 line-clamp-2 flex-1 text-sm text-slate-600">{product.description}</p>
                <p className="mt-4 text-lg font-semibold">
                  {product.price ? formatMoney(product.price.amount, product.price.currency) : "Not for sale"}
                </p>
              </li>
            ))}
          </ul>
        )}
        <Pagination page={page} pageCount={pageCount} />
      </section>
    </div>
  );
}
