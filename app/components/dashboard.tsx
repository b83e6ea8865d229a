// Pieces of the revenue dashboards: the date range picker, figure cards and a server-rendered SVG chart that reads
// without JavaScript (title, description, labels, and the same numbers as a table in a <details>).
import { Form, Link, useLocation } from "@remix-run/react";
import type { ReactNode } from "react";
import { Notice } from "#app/components/forms.tsx";
import type { MembershipMetrics } from "#app/domain/membership-metrics.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { formatBps, formatDay } from "#app/utils/format.ts";

export const PRESET_LABELS = {
  "7d": "7 days",
  "30d": "30 days",
  "90d": "90 days",
  "12m": "12 months",
  all: "All time",
} as const;

/** The range presets and custom dates; with `errors`, a warning above it that the default range is shown instead. */
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
  const kept: [string, string][] = keep.flatMap((k) =>
    params.get(k) ? [[k, params.get(k)!] as [string, string]] : [],
  );
  const hrefFor = (range: string) => `${location.pathname}?${new URLSearchParams([...kept, ["range", range]])}`;
  return (
    <>
      {errors ? (
        <Notice tone="warning">
          That date range isn't valid, so the last 30 days are shown instead. {errors.from ?? errors.to}
        </Notice>
      ) : null}
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
    </>
  );
}

function DateInput({
  name,
  label,
  defaultValue,
  error,
}: {
  name: string;
  label: string;
  defaultValue: string;
  error?: string;
}) {
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

export function Figure({
  label,
  value,
  change,
  testId,
  hint,
}: {
  label: string;
  value: ReactNode;
  change?: ReactNode;
  testId?: string;
  hint?: string;
}) {
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

const plural = (n: number, word: string, many = `${word}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`;

/**
 * The "Memberships" row: per currency, MRR and members now, and trial conversion and churn over the selected range.
 * `empty` is shown when there is no membership at all; the platform view adds the estimated platform fee MRR.
 */
export function MembershipFigures({
  memberships,
  platform = false,
  empty,
}: {
  memberships: MembershipMetrics;
  platform?: boolean;
  empty: ReactNode;
}) {
  return (
    <section className="card space-y-5" aria-labelledby="memberships-heading" data-testid="memberships">
      <div>
        <h2 id="memberships-heading" className="text-lg font-semibold">
          Memberships
        </h2>
        <p className="text-sm text-slate-500">
          MRR and members as of now; trial conversion and churn over the selected range.
        </p>
      </div>
      {!memberships.hasMemberships ? (
        empty
      ) : memberships.currencies.length === 0 ? (
        <p className="text-sm text-slate-600">No current members, and no trials or members ended in this range.</p>
      ) : (
        memberships.currencies.map((m) => {
          const money = (n: number) => formatMoney(n, m.currency);
          const notes = [
            m.pastDue > 0 ? (
              <span
                key="failed"
                className="block text-xs font-medium text-amber-700"
                data-testid={`payment-failed-${m.currency}`}
              >
                <span aria-hidden>⚠</span> {m.pastDue.toLocaleString("en-US")} payment{m.pastDue === 1 ? "" : "s"}{" "}
                failed
              </span>
            ) : null,
            m.cancelsSoon > 0 ? (
              <span key="cancels" className="block text-xs text-slate-500" data-testid={`cancels-soon-${m.currency}`}>
                {m.cancelsSoon.toLocaleString("en-US")} cancel{m.cancelsSoon === 1 ? "s" : ""} soon
              </span>
            ) : null,
          ].filter(Boolean);
          return (
            <div key={m.currency} className="space-y-2" data-testid={`memberships-${m.currency}`}>
              {memberships.currencies.length > 1 ? (
                <h3 className="text-sm font-semibold text-slate-700">{m.currency.toUpperCase()}</h3>
              ) : null}
              <dl
                className={`grid grid-cols-2 gap-3 ${platform ? "sm:grid-cols-3 xl:grid-cols-6" : "sm:grid-cols-3 lg:grid-cols-5"}`}
              >
                <Figure
                  label="MRR"
                  hint="Monthly recurring revenue of active members (yearly plans ÷ 12); trials not included"
                  value={money(m.mrr)}
                  testId={`mrr-${m.currency}`}
                />
                {platform ? (
                  <Figure
                    label="Est. platform fee MRR"
                    hint="MRR at each membership's application fee percent (before refunds and plan changes)"
                    value={money(m.platformFeeMrr)}
                    testId={`platform-fee-mrr-${m.currency}`}
                  />
                ) : null}
                <Figure
                  label="Active members"
                  hint="Paying members, including those whose latest payment failed"
                  value={m.activeMembers.toLocaleString("en-US")}
                  testId={`active-members-${m.currency}`}
                  change={notes.length ? <>{notes}</> : undefined}
                />
                <Figure label="In trial" value={m.trialing.toLocaleString("en-US")} testId={`trialing-${m.currency}`} />
                <Figure
                  label="Trial conversion"
                  hint="Trials that converted to a paid membership in the range, out of trials that converted or ended"
                  value={formatBps(m.conversionRateBps)}
                  testId={`trial-conversion-${m.currency}`}
                  change={
                    <span className="text-xs text-slate-500">
                      {m.converted.toLocaleString("en-US")} of {plural(m.converted + m.trialsEndedUnconverted, "trial")}
                    </span>
                  }
                />
                <Figure
                  label="Churn"
                  hint="Members at the start of the range whose membership ended (canceled or unpaid) within it"
                  value={formatBps(m.churnRateBps)}
                  testId={`churn-${m.currency}`}
                  change={
                    <span className="text-xs text-slate-500">
                      {m.churned.toLocaleString("en-US")} of {plural(m.membersAtStart, "member")} at start
                    </span>
                  }
                />
              </dl>
            </div>
          );
        })
      )}
    </section>
  );
}

type Point = { day: string; value: number; orders: number };

/** Days up to 92, then weeks (from Monday) up to ~400 days, then calendar months: at most ~60 bars, each readable. */
export function bucketSeries(series: Point[]): { unit: "day" | "week" | "month"; points: Point[] } {
  if (series.length <= 92) return { unit: "day", points: series };
  const unit = series.length <= 400 ? "week" : "month";
  const keyOf = (day: string) => {
    if (unit === "month") return `${day.slice(0, 7)}-01`;
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    return d.toISOString().slice(0, 10);
  };
  const buckets = new Map<string, Point>();
  for (const p of series) {
    const key = keyOf(p.day);
    const b = buckets.get(key) ?? { day: key, value: 0, orders: 0 };
    b.value += p.value;
    b.orders += p.orders;
    buckets.set(key, b);
  }
  return { unit, points: [...buckets.values()] };
}

/**
 * Values of one currency per day (or week, or month for long ranges) as an SVG bar chart. Bars are placed in
 * percentages and text in pixels, so labels stay legible from phone to laptop. Readable without JavaScript: screen
 * readers get the title, the description and the table in the <details> below.
 */
export function RevenueChart({
  currency,
  series,
  valueLabel,
}: {
  currency: string;
  series: Point[];
  valueLabel: string;
}) {
  const height = 200;
  const top = 18;
  const bottom = 22;
  const innerH = height - top - bottom;
  const { unit, points } = bucketSeries(series);
  const max = Math.max(0, ...points.map((p) => p.value));
  const min = Math.min(0, ...points.map((p) => p.value));
  const span = max - min || 1;
  const y = (v: number) => top + innerH - ((v - min) / span) * innerH;
  const step = 100 / Math.max(1, points.length);
  const total = points.reduce((s, p) => s + p.value, 0);
  const best = points.reduce((b, p) => (p.value > b.value ? p : b), points[0] ?? { day: "", value: 0, orders: 0 });
  const id = `chart-${currency}`;
  const unitWord = unit === "day" ? "day" : unit === "week" ? "week" : "month";
  const title = `${valueLabel} per ${unitWord} in ${currency.toUpperCase()}`;
  const label = (day: string) =>
    unit === "month"
      ? formatDay(day, { month: "short", year: "2-digit" })
      : formatDay(day, { month: "short", day: "numeric" });
  const description =
    points.length === 0
      ? "No days in this range."
      : `${valueLabel} per ${unitWord} from ${formatDay(series[0]!.day)} to ${formatDay(series.at(-1)!.day)}: ${formatMoney(total, currency)} in total; ` +
        `the best ${unitWord} was ${unit === "day" ? "" : "starting "}${formatDay(best.day)} with ${formatMoney(best.value, currency)}.`;
  return (
    <figure className="space-y-2">
      <svg
        width="100%"
        height={height}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        data-testid={`chart-${currency}`}
        className="overflow-visible"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {[max, min + span / 2, min].map((v, i) => (
          <g key={i} aria-hidden>
            <line x1="0" x2="100%" y1={y(v)} y2={y(v)} stroke={v === 0 ? "#94a3b8" : "#e2e8f0"} strokeWidth={1} />
          </g>
        ))}
        {points.map((p, i) => (
          <rect
            key={p.day}
            x={`${i * step + step * 0.15}%`}
            y={y(Math.max(0, p.value))}
            width={`${step * 0.7}%`}
            height={Math.max(p.value === 0 ? 0 : 1, Math.abs(y(p.value) - y(0)))}
            fill={p.value < 0 ? "#dc2626" : "#6d28d9"}
          >
            <title>{`${label(p.day)}: ${formatMoney(p.value, currency)}, ${p.orders} order${p.orders === 1 ? "" : "s"}`}</title>
          </rect>
        ))}
        {[max, min + span / 2].map((v, i) => (
          // Drawn after the bars, with a white halo, so a tall first bar never hides the value.
          <text
            key={i}
            aria-hidden
            x="2"
            y={y(v) - 4}
            fontSize={11}
            fill="#475569"
            stroke="#ffffff"
            strokeWidth={3}
            paintOrder="stroke"
          >
            {formatMoney(Math.round(v), currency)}
          </text>
        ))}
        {points.length > 0
          ? [0, points.length - 1]
              .filter((v, i, all) => all.indexOf(v) === i)
              .map((index, i) => (
                <text
                  key={index}
                  aria-hidden
                  x={i === 0 ? "0" : "100%"}
                  y={height - 4}
                  textAnchor={i === 0 ? "start" : "end"}
                  fontSize={11}
                  fill="#64748b"
                >
                  {label(points[index]!.day)}
                </text>
              ))
          : null}
      </svg>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-600">Show the numbers as a table</summary>
        <div className="mt-2 max-h-72 overflow-auto">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr className="text-slate-500">
                <th scope="col" className="py-1 pr-4 font-medium">
                  {unit === "day" ? "Day" : unit === "week" ? "Week of" : "Month"}
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
              {points.map((p) => (
                <tr key={p.day} className="border-t border-slate-100">
                  <th scope="row" className="py-1 pr-4 font-normal">
                    {unit === "month" ? formatDay(p.day, { month: "long", year: "numeric" }) : formatDay(p.day)}
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
