import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EmptyState, Notice } from "#app/components/forms.tsx";
import { formatMoney } from "#app/domain/money.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { db } from "#app/utils/db.server.ts";

export const meta: MetaFunction = () => [{ title: "Creator studio · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const account = await db().creatorAccount.findUnique({
    where: { userId: user.id },
    select: {
      displayName: true,
      onboardingStatus: true,
      products: {
        orderBy: { createdAt: "desc" },
        select: {
          id: true,
          title: true,
          published: true,
          prices: { where: { active: true }, orderBy: { createdAt: "desc" }, take: 1 },
        },
      },
    },
  });
  return { user, account };
}

export default function CreatorStudio() {
  const { user, account } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Creator studio</h1>
        <p className="mt-1 text-sm text-slate-600">
          {account?.displayName ?? user.name} · payouts status:{" "}
          <strong>{(account?.onboardingStatus ?? "NOT_STARTED").replace(/_/g, " ").toLowerCase()}</strong>
        </p>
      </div>
      {account?.onboardingStatus !== "ACTIVE" ? (
        <Notice tone="warning">Connect a Stripe account to publish products and get paid.</Notice>
      ) : null}
      <section>
        <h2 className="text-lg font-semibold">Your products</h2>
        <div className="mt-3">
          {!account || account.products.length === 0 ? (
            <EmptyState title="No products yet">Your products will be listed here.</EmptyState>
          ) : (
            <ul className="divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
              {account.products.map((product) => (
                <li key={product.id} className="flex items-center justify-between px-4 py-3">
                  <span className="font-medium">{product.title}</span>
                  <span className="text-sm text-slate-500">
                    {product.prices[0] ? formatMoney(product.prices[0].amount, product.prices[0].currency) : "—"} ·{" "}
                    {product.published ? "published" : "draft"}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
    </div>
  );
}
