import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState } from "#app/components/forms.tsx";
import { ACCESS_GRANTING, ACCESS_WORDS, listLibrary } from "#app/domain/entitlements.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Your library · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: ["BUYER", "CREATOR"] });
  const items = await listLibrary(user.id);
  return {
    user,
    items: items.map((item) => ({
      ...item,
      canDownload: ACCESS_GRANTING.includes(item.status),
      statusText: ACCESS_WORDS[item.status],
    })),
  };
}

function formatBytes(bytes: number | null) {
  if (!bytes) return null;
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export default function Library() {
  const { user, items } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-2xl font-bold">Your library</h1>
      <p className="mt-1 text-sm text-slate-600">Everything you've bought, {user.name}, ready to download.</p>
      <div className="mt-6">
        {items.length === 0 ? (
          <EmptyState title="Nothing here yet">
            Products you buy appear here, with their downloads.{" "}
            <Link to="/" className="link">
              Discover products
            </Link>
          </EmptyState>
        ) : (
          <ul className="space-y-3">
            {items.map((item) => (
              <li key={item.id} className="card flex flex-col gap-3 p-4 sm:flex-row sm:items-center" data-testid="library-item">
                <div className="flex-1">
                  <Link to={`/p/${item.product.slug}`} className="font-semibold hover:underline">
                    {item.product.title}
                  </Link>
                  <p className="text-sm text-slate-500">
                    by {item.product.creator.displayName} · order{" "}
                    <Link to={`/library/orders/${item.order.number}`} className="link">
                      #{item.order.number}
                    </Link>{" "}
                    · {formatMoney(item.order.totalAmount, item.order.currency)}
                    {item.order.refundedAmount > 0
                      ? ` · ${formatMoney(item.order.refundedAmount, item.order.currency)} refunded`
                      : ""}
                  </p>
                  <p className={`mt-1 text-xs ${item.canDownload ? "text-emerald-700" : "text-amber-700"}`}>{item.statusText}</p>
                </div>
                {item.canDownload ? (
                  <a href={`/library/download/${item.id}`} className="btn-primary" data-testid="download-link" download>
                    Download{item.product.deliverableSizeBytes ? ` (${formatBytes(item.product.deliverableSizeBytes)})` : ""}
                  </a>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
