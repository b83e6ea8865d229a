import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EmptyState } from "#app/components/forms.tsx";
import { listLibrary } from "#app/domain/entitlements.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Your library · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: ["BUYER", "CREATOR"] });
  return { user, items: await listLibrary(user.id) };
}

export default function Library() {
  const { user, items } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-2xl font-bold">Your library</h1>
      <p className="mt-1 text-sm text-slate-600">Everything you've bought, {user.name}, ready to download.</p>
      <div className="mt-6">
        {items.length === 0 ? (
          <EmptyState title="Nothing here yet">Products you buy appear here, with their downloads.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
            {items.map((item) => (
              <li key={item.id} className="flex items-center justify-between px-4 py-3">
                <span className="font-medium">{item.product.title}</span>
                <span className="text-sm text-slate-500">{item.status.toLowerCase()}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
