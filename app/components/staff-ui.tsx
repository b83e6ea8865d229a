// Small pieces shared by the staff console's read-only pages: status badges, scrolling tables, dates, filter bars.
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";

const TONES = {
  green: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/20",
  red: "bg-red-50 text-red-700 ring-red-600/20",
  blue: "bg-sky-50 text-sky-700 ring-sky-600/20",
  slate: "bg-slate-100 text-slate-700 ring-slate-500/20",
} as const;
type Tone = keyof typeof TONES;

const STATUS_TONES: Record<string, Tone> = {
  PAID: "green",
  ACTIVE: "green",
  RESTORED: "green",
  SUCCEEDED: "green",
  WON: "green",
  DISPUTE_WON: "green",
  APPROVED: "green",
  PARTIALLY_REFUNDED: "amber",
  PENDING: "amber",
  OPEN: "amber",
  FROZEN: "blue",
  DETAILS_NEEDED: "amber",
  UNDER_REVIEW: "blue",
  DISPUTED: "red",
  DISPUTE_LOST: "red",
  LOST: "red",
  FAILED: "red",
  REVOKED: "red",
  RESTRICTED: "red",
  DECLINED: "slate",
  REFUNDED: "slate",
  CANCELED: "slate",
  NOT_STARTED: "slate",
  TRIALING: "blue",
  PAST_DUE: "red",
  GRACE: "amber",
  PAUSED: "slate",
  ENDED: "slate",
  UNPAID: "red",
  INCOMPLETE: "amber",
  INCOMPLETE_EXPIRED: "slate",
};

export function statusWords(status: string) {
  return status.replace(/_/g, " ").toLowerCase();
}

export function StatusBadge({ status, tone }: { status: string; tone?: Tone }) {
  return (
    <span
      className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold capitalize ring-1 ring-inset ${TONES[tone ?? STATUS_TONES[status] ?? "slate"]}`}
      data-testid="status-badge"
    >
      {statusWords(status)}
    </span>
  );
}

/** A table that scrolls sideways on narrow screens instead of squeezing its columns. */
export function StaffTable({ children, label }: { children: ReactNode; label: string }) {
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0 sm:rounded-xl sm:border sm:border-slate-200 sm:bg-white sm:shadow-sm">
      <table className="min-w-full divide-y divide-slate-200 bg-white text-sm" aria-label={label}>
        {children}
      </table>
    </div>
  );
}

export const th =
  "whitespace-nowrap px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
export const td = "whitespace-nowrap px-4 py-2.5 align-top";

export function PageHeader({
  title,
  description,
  back,
  actions,
}: {
  title: string;
  description?: ReactNode;
  back?: { to: string; label: string };
  actions?: ReactNode;
}) {
  return (
    <div className="mb-6">
      {back ? (
        <Link to={back.to} className="text-sm text-slate-500 hover:text-slate-900">
          ← {back.label}
        </Link>
      ) : null}
      <div className="mt-1 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold">{title}</h1>
          {description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
        </div>
        {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
      </div>
    </div>
  );
}

export function FilterField({ label, error, children }: { label: string; error?: string; children: ReactNode }) {
  return (
    <label className="block">
      <span className="label">{label}</span>
      {children}
      {error ? (
        <span className="mt-1 block text-sm text-red-600" role="alert">
          {error}
        </span>
      ) : null}
    </label>
  );
}

/** The first error message per field, from a zod `flatten().fieldErrors`. */
export function firstErrors(fieldErrors: Record<string, string[] | undefined>) {
  return Object.fromEntries(
    Object.entries(fieldErrors).map(([key, messages]) => [key, messages?.[0] ?? "Invalid"]),
  ) as Record<string, string>;
}
