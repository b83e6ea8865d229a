// Small pieces shared by the staff console's read-only pages: status badges, scrolling tables, dates, filter bars.
import { Form, Link, useSearchParams } from "@remix-run/react";
import type { InputHTMLAttributes, ReactNode } from "react";
import { EmptyState, FormError } from "#app/components/forms.tsx";
import { Pagination } from "#app/components/pagination.tsx";

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

/** A column heading: its words, or its words and right alignment (see `numeric`); `null` leaves the column out. */
export type Column = string | { label: string; align: "right" } | null;

/** A right-aligned column heading, for amounts and counts. */
export const numeric = (label: string): Column => ({ label, align: "right" });

/**
 * A table that scrolls sideways on narrow screens instead of squeezing its columns: a header row from `columns`,
 * then `children`, the body's rows.
 */
export function StaffTable({ children, label, columns }: { children: ReactNode; label: string; columns: Column[] }) {
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0 sm:rounded-xl sm:border sm:border-slate-200 sm:bg-white sm:shadow-sm">
      <table className="min-w-full divide-y divide-slate-200 bg-white text-sm" aria-label={label}>
        <thead className="bg-slate-50">
          <tr>
            {columns.map((column, index) =>
              column === null ? null : typeof column === "string" ? (
                <th key={index} className={th}>
                  {column}
                </th>
              ) : (
                <th key={index} className={`${th} text-right`}>
                  {column.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

const th = "whitespace-nowrap px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
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
        {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
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

/** A text (or date, or search) filter named `name`, showing the value the page's URL has for it. */
export function FilterInput({
  label,
  name,
  errors,
  ...inputProps
}: { label: string; name: string; errors: Record<string, string> | null } & InputHTMLAttributes<HTMLInputElement>) {
  const [params] = useSearchParams();
  return (
    <FilterField label={label} error={errors?.[name]}>
      <input name={name} defaultValue={params.get(name) ?? ""} className="input" {...inputProps} />
    </FilterField>
  );
}

/** A choice filter named `name`: "any" (an empty value, worded by `anyLabel`) or one of `options`. */
export function FilterSelect({
  label,
  name,
  errors,
  anyLabel,
  options,
}: {
  label: string;
  name: string;
  errors: Record<string, string> | null;
  anyLabel: string;
  options: { value: string; label: string }[];
}) {
  const [params] = useSearchParams();
  return (
    <FilterField label={label} error={errors?.[name]}>
      <select name={name} defaultValue={params.get(name) ?? ""} className="input bg-white">
        <option value="">{anyLabel}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FilterField>
  );
}

// Whole class names, so that Tailwind sees them: the form's grid, and the button row that spans it.
const FILTER_GRIDS = {
  3: { grid: "lg:grid-cols-3", row: "lg:col-span-3" },
  6: { grid: "lg:grid-cols-6", row: "lg:col-span-6" },
};

/**
 * The filters over a staff list, a GET form: the fields (`children`, on a grid of `columns` on wide screens), then the
 * submit button, "Clear" (back to `clearTo`) while any filter is set, and an optional note.
 */
export function FilterBar({
  label,
  role,
  columns,
  submitLabel,
  clearTo,
  filtered,
  note,
  children,
}: {
  label: string;
  role?: "search";
  columns: keyof typeof FILTER_GRIDS;
  submitLabel: string;
  clearTo: string;
  filtered: boolean;
  note?: ReactNode;
  children: ReactNode;
}) {
  const layout = FILTER_GRIDS[columns];
  return (
    <Form method="get" className={`card grid gap-4 p-4 sm:grid-cols-2 ${layout.grid}`} role={role} aria-label={label}>
      {children}
      <div className={`flex flex-wrap items-center gap-2 sm:col-span-2 ${layout.row}`}>
        <button type="submit" className="btn-primary">
          {submitLabel}
        </button>
        {filtered ? (
          <Link to={clearTo} className="btn-secondary">
            Clear
          </Link>
        ) : null}
        {note}
      </div>
    </Form>
  );
}

/**
 * Below a filter bar, one of three things: a message when the filters don't parse (`result` is null), `empty` when
 * the page has no rows, or the count (`summary`), a table of the page's rows (each drawn by `children`) and the pager.
 */
export function FilteredTable<Result extends { page: number; pageCount: number }, Row>({
  result,
  invalidMessage = "Please correct the highlighted filters.",
  rows,
  empty,
  summary,
  summaryTestId,
  label,
  columns,
  children,
}: {
  result: Result | null;
  invalidMessage?: string;
  rows: (result: Result) => Row[];
  empty: { title: string; text: ReactNode };
  summary: (result: Result) => string;
  summaryTestId: string;
  label: string;
  columns: Column[];
  children: (row: Row) => ReactNode;
}) {
  const page = result ? rows(result) : [];
  return (
    <div className="mt-6">
      {!result ? (
        <FormError message={invalidMessage} />
      ) : page.length === 0 ? (
        <EmptyState title={empty.title}>{empty.text}</EmptyState>
      ) : (
        <>
          <p className="mb-2 text-sm text-slate-600" data-testid={summaryTestId}>
            {summary(result)}
          </p>
          <StaffTable label={label} columns={columns}>
            {page.map(children)}
          </StaffTable>
          <Pagination page={result.page} pageCount={result.pageCount} />
        </>
      )}
    </div>
  );
}

/** The first error message per field, from a zod `flatten().fieldErrors`. */
export function firstErrors(fieldErrors: Record<string, string[] | undefined>) {
  return Object.fromEntries(
    Object.entries(fieldErrors).map(([key, messages]) => [key, messages?.[0] ?? "Invalid"]),
  ) as Record<string, string>;
}
