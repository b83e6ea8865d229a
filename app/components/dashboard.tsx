// Pieces of the revenue dashboards: the page heading, the date range picker, figure cards, the sales of each currency
// (figures and a server-rendered SVG chart that reads without JavaScript: title, description, labels, and the same
// numbers as a table in a <details>), and the cards of lists below them.
import { Form, Link, useLocation } from "@remix-run/react";
import type { ReactNode } from "react";
import { Field, Notice } from "#app/components/forms.tsx";
import type { MembershipMetrics } from "#app/domain/membership-metrics.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import type { CurrencyFigures, Totals } from "#app/domain/sales-figures.server.ts";
import { formatBps, formatDay, percentChange } from "#app/utils/format.ts";

/**
 * A studio or console page's heading: where it sits ("Creator studio / Revenue", the first part a link), its title,
 * an optional line below, and actions on the right (a download, a "New product" button).
 */
export function PageHeading({
  trail,
  here,
  title,
  subtitle,
  children,
}: {
  trail: { to: string; label: string };
  here: string;
  title: string;
  subtitle?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <div>
        <p className="text-sm text-slate-500">
          <Link to={trail.to} className="link">
            {trail.label}
          </Link>{" "}
          / {here}
        </p>
        <h1 className="mt-1 text-2xl font-bold">{title}</h1>
        {subtitle ? <p className="mt-1 text-sm text-slate-600">{subtitle}</p> : null}
      </div>
      {children}
    </div>
  );
}

export const PRESET_LABELS = {
  "7d": "7 days",
  "30d": "30 days",
  "90d": "90 days",
  "12m": "12 months",
  all: "All time",
} as const;

/**
 * The range presets and custom dates of the `range` shown; with `errors` (the loader's when the query's range was
 * invalid), a warning above it that the default range is shown instead, and the dates as typed (`values`).
 */
export function RangePicker({
  range: { preset, from, to },
  errors,
  values,
  keep = [],
}: {
  range: { preset: string; from: string; to: string };
  errors: { from?: string; to?: string } | null;
  values: { from: string; to: string } | null;
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

/** A date of the custom range: the shared form field, as wide as a date. */
function DateInput(props: { name: string; label: string; defaultValue: string; error?: string }) {
  return (
    <div className="w-40">
      <Field type="date" {...props} />
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

/** The small grey line under a figure's value: what it counts. */
function FigureNote({ children }: { children: ReactNode }) {
  return <span className="text-xs text-slate-500">{children}</span>;
}

/**
 * One figure card of a currency's sales: which of the range's totals it shows (an amount, or the number of orders),
 * and what it says under the value: by default the change against the previous period (`"change, rise is bad"` for
 * costs, shown red when they rise), or how many refunds or disputes the amount counts, or nothing.
 */
export interface SalesFigure {
  label: string;
  total: Exclude<keyof Totals, "refundCount" | "disputeCount">;
  /** The value's test id, before `-<currency>`. */
  testId: string;
  hint?: string;
  below?: "change" | "change, rise is bad" | "refund count" | "dispute count" | "nothing";
}

function salesFigureBelow(figure: SalesFigure, current: Totals, previous: Totals | null) {
  switch (figure.below ?? "change") {
    case "change":
    case "change, rise is bad":
      return (
        <Change
          value={percentChange(current[figure.total], previous?.[figure.total])}
          invert={figure.below === "change, rise is bad"}
        />
      );
    case "refund count":
      return <FigureNote>{plural(current.refundCount, "refund")}</FigureNote>;
    case "dispute count":
      return <FigureNote>{current.disputeCount.toLocaleString("en-US")} opened</FigureNote>;
    case "nothing":
      return undefined;
  }
}

/** A figure of a currency's card that is not one of its sales totals: a count, with its change. */
export interface CountFigure {
  label: string;
  hint?: string;
  count: number;
  /** The count of the previous period; null for "All time". */
  previous: number | null;
}

/**
 * The sales of the range, one card per currency (busiest first): its `figures`, then an `extra` one if given, and a
 * chart of one total per day; `empty` when there were no sales at all.
 */
export function SalesByCurrency<Sales extends CurrencyFigures>({
  currencies,
  figures,
  extra,
  heading,
  idPrefix,
  chart,
  empty,
}: {
  currencies: Sales[];
  figures: readonly SalesFigure[];
  extra?: (sales: Sales) => CountFigure;
  /** The card's heading, from the currency code in capitals. */
  heading: (currency: string) => string;
  /** The headings' ids are `<idPrefix>-<currency>`. */
  idPrefix: string;
  chart: { label: string; total: "gross" | "net" };
  empty: ReactNode;
}) {
  if (currencies.length === 0) return <>{empty}</>;
  const cards = currencies.map((sales) => {
    const { currency, current, previous, series } = sales;
    const headingId = `${idPrefix}-${currency}`;
    return (
      <section
        key={currency}
        className="card space-y-5"
        aria-labelledby={headingId}
        data-testid={`currency-${currency}`}
      >
        <h2 id={headingId} className="text-lg font-semibold">
          {heading(currency.toUpperCase())}
        </h2>
        <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
          {figures.map((figure) => (
            <Figure
              key={figure.testId}
              label={figure.label}
              hint={figure.hint}
              value={
                figure.total === "orders"
                  ? current.orders.toLocaleString("en-US")
                  : formatMoney(current[figure.total], currency)
              }
              testId={`${figure.testId}-${currency}`}
              change={salesFigureBelow(figure, current, previous)}
            />
          ))}
          {extra ? <CountFigureCard {...extra(sales)} /> : null}
        </dl>
        <RevenueChart
          currency={currency}
          valueLabel={chart.label}
          series={series.map((p) => ({ day: p.day, value: p[chart.total], orders: p.orders }))}
        />
      </section>
    );
  });
  return <>{cards}</>;
}

function CountFigureCard({ label, hint, count, previous }: CountFigure) {
  return (
    <Figure
      label={label}
      hint={hint}
      value={count.toLocaleString("en-US")}
      change={<Change value={percentChange(count, previous)} />}
    />
  );
}

/**
 * A card of a dashboard's lists (top products, recent orders, …): its heading, with `actions` beside it, and its
 * content, or the `empty` sentence instead when its list of `items` is empty.
 */
export function DashboardCard({
  id,
  title,
  actions,
  items,
  empty,
  testId,
  children,
}: {
  /** The heading's id. */
  id: string;
  title: ReactNode;
  actions?: ReactNode;
  items?: readonly unknown[];
  empty?: string;
  testId?: string;
  children?: ReactNode;
}) {
  const heading = (
    <h2 id={id} className="text-lg font-semibold">
      {title}
    </h2>
  );
  return (
    <section className="card min-w-0" aria-labelledby={id} data-testid={testId}>
      {actions ? (
        <div className="flex flex-wrap items-center justify-between gap-2">
          {heading}
          {actions}
        </div>
      ) : (
        heading
      )}
      {items?.length === 0 ? <p className="mt-3 text-sm text-slate-600">{empty}</p> : children}
    </section>
  );
}

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
                    <FigureNote>
                      {m.converted.toLocaleString("en-US")} of {plural(m.converted + m.trialsEndedUnconverted, "trial")}
                    </FigureNote>
                  }
                />
                <Figure
                  label="Churn"
                  hint="Members at the start of the range whose membership ended (canceled or unpaid) within it"
                  value={formatBps(m.churnRateBps)}
                  testId={`churn-${m.currency}`}
                  change={
                    <FigureNote>
                      {m.churned.toLocaleString("en-US")} of {plural(m.membersAtStart, "member")} at start
                    </FigureNote>
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

/** A table of a dashboard card that scrolls sideways on narrow screens: its header row `head`, then its rows. */
export function DashboardTable({
  head,
  testId,
  className = "",
  children,
}: {
  head: ReactNode;
  testId: string;
  /** More classes of the table, e.g. a minimum width. */
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className="mt-3 overflow-x-auto">
      <table className={`w-full text-left text-sm ${className}`} data-testid={testId}>
        <thead className="text-slate-500">
          <tr>{head}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
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
