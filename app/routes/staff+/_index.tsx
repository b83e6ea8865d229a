import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { staffOverview } from "#app/domain/platform-revenue.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Staff console · Makers Market" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  return staffOverview();
}

export default function StaffConsole() {
  const { stats } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-2xl font-bold">Staff console</h1>
      <p className="mt-1 text-sm text-slate-600">The marketplace at a glance.</p>
      <p className="mt-3">
        <Link to="/staff/dashboard" className="link">
          Platform revenue dashboard →
        </Link>
      </p>
      <dl className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {stats.map((stat) => (
          <div key={stat.label} className="card">
            <dt className="text-sm text-slate-500">{stat.label}</dt>
            <dd className="mt-1 text-3xl font-semibold" data-testid={`stat-${stat.label}`}>
              {stat.value}
            </dd>
          </div>
        ))}
      </dl>
      <nav aria-label="Staff tools" className="mt-8 grid gap-4 sm:grid-cols-3">
        {[
          { to: "/staff/orders", label: "Orders", text: "Search orders by number, buyer, creator or Stripe id." },
          { to: "/staff/disputes", label: "Disputes", text: "Open chargebacks and their evidence deadlines." },
          { to: "/staff/audit", label: "Audit log", text: "Every change to money or access, with a CSV export." },
        ].map((tool) => (
          <Link key={tool.to} to={tool.to} className="card block p-4 transition hover:border-brand-300 hover:shadow">
            <span className="font-semibold text-brand-700">{tool.label} →</span>
            <span className="mt-1 block text-sm text-slate-600">{tool.text}</span>
          </Link>
        ))}
      </nav>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
