// Pieces of the revenue dashboards: the date range picker, figure cards and a server-rendered SVG chart that reads
// without JavaScript (title, description, labels, and the same numbers as a table in a <details>).
import { Form, Link, useLocation } from "@remix-run/react";
import type { ReactNode } from "react";
import { formatMoney } from "#app/domain/money.ts";

export const PRESET_LABELS = {
  "7d": "7 days",
  "30d": "30 days",
  "90d": "90 days",
  "12m": "12 months",
  all: "All time",
} as const;

export function formatDay(day: string, options: Intl.DateTimeFormatOptions = { month: "short", day: "numeric", year: "numeric" }) {
  return new Date(`${day.slice(0, 10)}T00:00:00Z`).toLocaleDateString("en-US", { timeZone: "UTC", ...options });
}

export function RangePicker({
  preset,
  from,
  to,
  errors,
  values,
  keep = [],
}: {
  preset: string;
  from: string;
  to: string;
  errors?: { from?: string; to?: string };
  values?: { from: string; to: string };
  /** Query parameters to keep when the range changes (e.g. the creators table's currency). */
  keep?: string[];
}) {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const kept: [string, string][] = keep.flatMap((k) => (params.get(k) ? [[k, params.get(k)!] as [string, string]] : []));
  const hrefFor = (range: string) => `${location.pathname}?${new URLSearchParams([...kept, ["range", range]])}`;
  return (
    <div className="card p-4" data-testid="range-picker">
      <nav aria-label="Date range" className="flex flex-wrap gap-2">
        {Object.entries(PRESET_LABELS).map(([key, label]) => (
          <Link
            key={key}
            to={hrefFor(key)}
            aria-current={preset === key ? "page" : undefined}
            className={`rounded-full px-3 py-1 text-sm font-medium ${preset === key ? "bg-brand-600 text-white" : "bg-slate-100 text-slate-700 hover:bg-slate-200"}`}
          >
            {label}
          </Link>
        ))}
      </nav>
      <Form method="get" className="mt-3 flex flex-wrap items-end gap-3" aria-label="Custom date range">
        {kept.map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
        <input type="hidden" name="range" value="custom" />
        <DateInput name="from" label="From" defaultValue={values?.from ?? from} error={errors?.from} />
        <DateInput name="to" label="To" defaultValue={values?.to ?? to} error={errors?.to} />
        <button type="submit" className="btn-secondary">
          Show range
        </button>
      </Form>
      <p className="mt-2 text-xs text-slate-500" data-testid="range-label">
        {formatDay(from)} – {formatDay(to)} (UTC days)
      </p>
    </div>
  );
}

function DateInput({ name, label, defaultValue, error }: { name: string; label: string; defaultValue: string; error?: string }) {
  const id = `range-${name}`;
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        type="date"
        defaultValue={defaultValue}
        className={`input w-40 ${error ? "border-red-500" : ""}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-600">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function Change({ value, invert = false }: { value: number | null; invert?: boolean }) {
  if (value === null) return <span className="text-xs text-slate-400">no earlier data</span>;
  const good = invert ? value < 0 : value > 0;
  const tone = value === 0 ? "text-slate-500" : good ? "text-emerald-700" : "text-red-700";
  return (
    <span className={`text-xs font-medium ${tone}`}>
      <span aria-hidden>{value > 0 ? "▲" : value < 0 ? "▼" : "■"}</span> {value > 0 ? "+" : ""}
      {value.toLocaleString("en-US")}% <span className="font-normal text-slate-500">vs previous period</span>
    </span>
  );
}

export function Figure({ label, value, change, testId, hint }: { label: string; value: ReactNode; change?: ReactNode; testId?: string; hint?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4">
      <dt className="text-sm text-slate-500" title={hint}>
        {label}
      </dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums text-slate-900 sm:text-2xl" data-testid={testId}>
        {value}
      </dd>
      {change ? <dd className="mt-1">{change}</dd> : null}
    </div>
  );
}

export function percentChange(current: number, previous: number | null | undefined) {
  if (previous === undefined || previous === null || previous === 0) return null;
  return Math.round(((current - previous) / Math.abs(previous)) * 1000) / 10;
}

/**
 * Daily values of one currency as an SVG chart: bars up to 92 days, an area beyond. Readable without JavaScript;
 * screen readers get the title, the description and the table in the <details> below.
 */
export function RevenueChart({
  currency,
  series,
  title,
  valueLabel,
}: {
  currency: string;
  series: { day: string; value: number; orders: number }[];
  title: string;
  valueLabel: string;
}) {
  const width = 720;
  const height = 220;
  const pad = { top: 12, right: 12, bottom: 28, left: 72 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(0, ...series.map((p) => p.value));
  const min = Math.min(0, ...series.map((p) => p.value));
  const span = max - min || 1;
  const y = (v: number) => pad.top + innerH - ((v - min) / span) * innerH;
  const step = innerW / Math.max(1, series.length);
  const total = series.reduce((s, p) => s + p.value, 0);
  const best = series.reduce((b, p) => (p.value > b.value ? p : b), series[0] ?? { day: "", value: 0, orders: 0 });
  const id = `chart-${currency}`;
  const ticks = [min, min + span / 2, max].filter((v, i, all) => all.indexOf(v) === i);
  const labelDays = series.length > 1 ? [series[0]!, series[Math.floor(series.length / 2)]!, series.at(-1)!] : series;
  const description =
    series.length === 0
      ? "No days in this range."
      : `${valueLabel} per day from ${formatDay(series[0]!.day)} to ${formatDay(series.at(-1)!.day)}: ${formatMoney(total, currency)} in total; ` +
        `the best day was ${formatDay(best.day)} with ${formatMoney(best.value, currency)}.`;
  return (
    <figure className="space-y-2">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        className="h-auto w-full"
        data-testid={`chart-${currency}`}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {ticks.map((v) => (
          <g key={v} aria-hidden>
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} stroke="#e2e8f0" strokeWidth={1} />
            <text x={pad.left - 8} y={y(v) + 4} textAnchor="end" fontSize={12} fill="#64748b">
              {formatMoney(Math.round(v), currency)}
            </text>
          </g>
        ))}
        {series.length <= 92 ? (
          series.map((p, i) => {
            const top = y(Math.max(0, p.value));
            const h = Math.abs(y(p.value) - y(0));
            return (
              <rect
                key={p.day}
                x={pad.left + i * step + step * 0.15}
                y={top}
                width={Math.max(1, step * 0.7)}
                height={Math.max(p.value === 0 ? 0 : 1, h)}
                rx={Math.min(3, step * 0.2)}
                fill={p.value < 0 ? "#dc2626" : "#6d28d9"}
              >
                <title>{`${formatDay(p.day)}: ${formatMoney(p.value, currency)}, ${p.orders} order${p.orders === 1 ? "" : "s"}`}</title>
              </rect>
            );
          })
        ) : (
          <path
            aria-hidden
            fill="#6d28d933"
            stroke="#6d28d9"
            strokeWidth={1.5}
            d={`M ${pad.left} ${y(0)} ${series.map((p, i) => `L ${(pad.left + i * step + step / 2).toFixed(1)} ${y(p.value).toFixed(1)}`).join(" ")} L ${pad.left + innerW} ${y(0)} Z`}
          />
        )}
        {labelDays.map((p, i) => (
          <text
            key={`${p.day}-${i}`}
            aria-hidden
            x={pad.left + series.indexOf(p) * step + step / 2}
            y={height - 8}
            textAnchor={i === 0 && labelDays.length > 1 ? "start" : i === labelDays.length - 1 && labelDays.length > 1 ? "end" : "middle"}
            fontSize={12}
            fill="#64748b"
          >
            {formatDay(p.day, { month: "short", day: "numeric" })}
          </text>
        ))}
      </svg>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600">Show the numbers as a table</summary>
        <div className="mt-2 max-h-72 overflow-auto">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr className="text-slate-500">
                <th scope="col" className="py-1 pr-4 font-medium">
                  Day
                </th>
                <th scope="col" className="py-1 pr-4 text-right font-medium">
                  Orders
                </th>
                <th scope="col" className="py-1 text-right font-medium">
                  {valueLabel}
                </th>
              </tr>
            </thead>
            <tbody>
              {series.map((p) => (
                <tr key={p.day} className="border-t border-slate-100">
                  <th scope="row" className="py-1 pr-4 font-normal">
                    {formatDay(p.day)}
                  </th>
                  <td className="py-1 pr-4 text-right tabular-nums">{p.orders}</td>
                  <td className="py-1 text-right tabular-nums">{formatMoney(p.value, currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** Turns rows into CSV text (RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with '). */
export function toCsv(header: string[], rows: (string | number | null)[][]) {
  const cell = (value: string | number | null) => {
    if (value === null) return "";
    if (typeof value === "number") return String(value);
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** Minor units as a plain decimal for CSV ("1999" usd → "19.99", "1500" jpy → "1500"), exact, no symbol. */
export function decimalAmount(amount: number, digits: number) {
  if (digits === 0) return String(amount);
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, "0")}`;
}
