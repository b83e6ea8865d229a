import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { Notice } from "#app/components/forms.tsx";
import { ProductCover } from "#app/components/product-card.tsx";
import { getProductPage } from "#app/domain/catalog.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { formatBytes } from "#app/domain/uploads.server.ts";
import { getUser } from "#app/utils/auth.server.ts";

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
      price: product.price,
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

function BuyBox() {
  const { product, purchase } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formAction === "/checkout";
  const price = product.price ? formatMoney(product.price.amount, product.price.currency) : null;
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
    case "own":
      return (
        <div className="space-y-3">
          <Notice tone={product.published ? "info" : "warning"}>
            {product.published
              ? "This is your product. Buyers see a Buy button here."
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
              : "This product isn't for sale right now."}
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
            {product.price ? formatMoney(product.price.amount, product.price.currency) : "Not for sale"}
          </p>
          <BuyBox />
          {product.file ? (
            <p className="border-t border-slate-100 pt-3 text-sm text-slate-500">
              Includes one {product.file.kind} file ({product.file.size}).
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
