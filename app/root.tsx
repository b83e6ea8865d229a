import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useNavigation,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { GeneralErrorBoundary } from "#app/components/error-boundary.tsx";
import { VerifyEmailNotice } from "#app/components/verify-email-notice.tsx";
import { useNonce } from "#app/components/nonce.tsx";
import { getUser, type SessionUser } from "#app/utils/auth.server.ts";
import { usesLocalStripe } from "#app/utils/env.server.ts";
import stylesheet from "./tailwind.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [
  { title: "Makers Market — digital goods from independent creators" },
  { name: "description", content: "Buy digital products straight from the creators who make them." },
];

/** On every page's data: only what the header shows of the signed-in person. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  return {
    user: user ? { name: user.name, role: user.role } : null,
    // An account whose address is not proven yet sees a reminder with "send the link again" on every page.
    unverifiedEmail: user && !user.emailVerifiedAt ? user.email : null,
    testMode: usesLocalStripe(),
  };
}

const NAV: Record<SessionUser["role"] | "ANONYMOUS", { to: string; label: string }[]> = {
  ANONYMOUS: [{ to: "/", label: "Discover" }],
  BUYER: [
    { to: "/", label: "Discover" },
    { to: "/library", label: "Library" },
  ],
  CREATOR: [
    { to: "/", label: "Discover" },
    { to: "/creator", label: "Creator studio" },
    { to: "/creator/dashboard", label: "Revenue" },
    { to: "/library", label: "Library" },
  ],
  // Staff reach the shop through the logo: the console's eight sections fit one row at 1280.
  STAFF: [
    { to: "/staff", label: "Console" },
    { to: "/staff/dashboard", label: "Revenue" },
    { to: "/staff/orders", label: "Orders" },
    { to: "/staff/disputes", label: "Disputes" },
    { to: "/staff/refund-requests", label: "Refunds" },
    { to: "/staff/events", label: "Events" },
    { to: "/staff/emails", label: "Email" },
    { to: "/staff/audit", label: "Audit log" },
  ],
};

function Header({ user }: { user: Pick<SessionUser, "name" | "role"> | null }) {
  const items = NAV[user?.role ?? "ANONYMOUS"];
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link to="/" className="flex items-center gap-2 text-lg font-bold text-slate-900">
          <span aria-hidden className="grid h-8 w-8 place-items-center rounded-lg bg-brand-600 text-white">
            M
          </span>
          Makers Market
        </Link>
        <nav
          aria-label="Main"
          className="order-last -mx-1 flex w-full flex-wrap items-center gap-1 sm:order-none sm:mx-0 sm:w-auto sm:flex-1"
        >
          {items.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              // A section's home is active only on itself when another item lives under it.
              end={item.to === "/" || items.some((other) => other.to.startsWith(`${item.to}/`))}
              className={({ isActive }) =>
                `rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`
              }
            >
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          {user ? (
            <>
              <span className="hidden text-slate-600 sm:inline" data-testid="signed-in-as">
                {user.name} <span className="text-slate-400">· {user.role.toLowerCase()}</span>
              </span>
              <NavLink
                to="/settings"
                className={({ isActive }) =>
                  `font-medium ${isActive ? "text-brand-700" : "text-slate-700 hover:text-slate-900"}`
                }
              >
                Settings
              </NavLink>
              <Form method="post" action="/logout">
                <button type="submit" className="btn-secondary py-1.5">
                  Log out
                </button>
              </Form>
            </>
          ) : (
            <>
              <Link to="/login" className="font-medium text-slate-700 hover:text-slate-900">
                Log in
              </Link>
              <Link to="/signup" className="btn-primary py-1.5">
                Sign up
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

function ProgressBar() {
  const navigation = useNavigation();
  if (navigation.state === "idle") return null;
  return (
    <div
      role="progressbar"
      aria-label="Loading"
      className="fixed inset-x-0 top-0 z-50 h-1 animate-pulse bg-brand-500"
    />
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const nonce = useNonce();
  const { pathname } = useLocation();
  // Pages with their own "confirm your email" notice (or about the link itself) skip the reminder.
  const ownNotice = /^\/(settings|verify-email|creator\/products\/)/.test(pathname);
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-full flex-col bg-slate-50 font-sans text-slate-900 antialiased">
        <ProgressBar />
        {data?.testMode ? (
          <div className="bg-amber-400 px-4 py-1 text-center text-xs font-semibold text-amber-950">
            Test mode — payments go to the local Stripe emulator. Use card 4242 4242 4242 4242.
          </div>
        ) : null}
        <Header user={data?.user ?? null} />
        <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">
          {data?.unverifiedEmail && !ownNotice ? (
            <div className="mb-6">
              <VerifyEmailNotice email={data.unverifiedEmail}>
                Confirm your email address to finish setting up your account.
              </VerifyEmailNotice>
            </div>
          ) : null}
          {children}
        </main>
        <footer className="border-t border-slate-200 bg-white py-6 text-center text-xs text-slate-500">
          Makers Market · payments by Stripe Connect · creators keep what they earn, minus a clear platform fee
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
