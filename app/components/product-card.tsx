import { Link } from "@remix-run/react";
import { formatMoney } from "#app/domain/money.ts";

const PLACEHOLDERS = [
  "from-slate-100 to-brand-100 text-brand-700",
  "from-amber-50 to-rose-100 text-rose-700",
  "from-emerald-50 to-sky-100 text-sky-700",
  "from-violet-50 to-fuchsia-100 text-fuchsia-700",
  "from-orange-50 to-amber-100 text-amber-700",
];

/** A cover image, or a soft gradient with the title's first letter when there is none. */
export function ProductCover({
  title,
  coverUrl,
  className = "",
  large = false,
}: {
  title: string;
  coverUrl: string | null;
  className?: string;
  large?: boolean;
}) {
  if (coverUrl)
    return (
      <img
        src={coverUrl}
        alt=""
        loading={large ? "eager" : "lazy"}
        className={`aspect-[4/3] w-full rounded-lg bg-slate-100 object-cover ${className}`}
      />
    );
  return (
    <div
      aria-hidden
      className={`grid aspect-[4/3] w-full place-items-center rounded-lg bg-gradient-to-br font-bold ${PLACEHOLDERS[[...title].reduce((sum, c) => sum + c.charCodeAt(0), 0) % PLACEHOLDERS.length]} ${large ? "text-7xl" : "text-4xl"} ${className}`}
    >
      {title.slice(0, 1).toUpperCase()}
    </div>
  );
}

export type PlanInterval = "MONTH" | "YEAR";

const INTERVAL_NOUN: Record<PlanInterval, string> = { MONTH: "month", YEAR: "year" };

export function intervalNoun(interval: PlanInterval) {
  return INTERVAL_NOUN[interval];
}

/** "$20.00" for a one-time price, "$10.00 / month" for a membership's. */
export function priceText(
  price: { amount: number; currency: string; interval?: PlanInterval | null },
  separator = " / ",
) {
  const money = formatMoney(price.amount, price.currency);
  return price.interval ? `${money}${separator}${INTERVAL_NOUN[price.interval]}` : money;
}

export interface ProductCardData {
  id: string;
  title: string;
  slug: string;
  description: string;
  coverUrl: string | null;
  creator: { displayName: string; slug: string };
  price: { amount: number; currency: string; interval?: PlanInterval | null } | null;
}

export function ProductCard({ product, showCreator = true }: { product: ProductCardData; showCreator?: boolean }) {
  return (
    <li className="card group relative flex flex-col p-4" data-testid="product-card">
      <ProductCover title={product.title} coverUrl={product.coverUrl} />
      <h3 className="mt-4 font-semibold text-slate-900">
        <Link to={`/p/${product.slug}`} className="after:absolute after:inset-0 group-hover:text-brand-700">
          {product.title}
        </Link>
      </h3>
      {showCreator ? <p className="text-sm text-slate-500">by {product.creator.displayName}</p> : null}
      <p className="mt-2 line-clamp-2 flex-1 text-sm text-slate-600">{product.description}</p>
      <p className="mt-4 text-lg font-semibold" data-testid="product-price">
        {product.price ? priceText(product.price) : "Not for sale"}
      </p>
    </li>
  );
}

export function ProductGrid({ products, showCreator = true }: { products: ProductCardData[]; showCreator?: boolean }) {
  return (
    <ul className="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      {products.map((product) => (
        <ProductCard key={product.id} product={product} showCreator={showCreator} />
      ))}
    </ul>
  );
}
