// Revenue dashboards for creators and staff. Everything here reads the daily rollups (`daily_revenue` per creator,
// `platform_daily_revenue` for the whole marketplace), never a scan of all orders; the few lists (recent orders, top
// products, refunds) read one creator's rows through their indexes. Membership figures (MRR, members, trial conversion,
// churn) come from one grouped query over `memberships` (membership-metrics.server.ts). Every amount is per currency: nothing here adds
// amounts of different currencies together.
//
// The `naive…` functions compute the same figures by aggregating orders, refunds and disputes on every call. They are
// the benchmark's baseline and the tests' cross-check, not something a page should call.
import { z } from "zod";
import { listConnectedPayouts, retrieveConnectedBalance } from "#app/stripe/connect.server.ts";
import { db, Prisma } from "#app/utils/db.server.ts";
import { membershipMetrics, type MembershipMetrics } from "./membership-metrics.server.ts";
import { addDays, DAY_MS, dayBounds, dayStart, dayString, isoDay } from "./day-range.ts";
import { utcDay } from "./revenue.server.ts";

// ---------------------------------------------------------------------------------------------------------------
// Date ranges

export const PRESETS = {
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
  "12m": "Last 12 months",
  all: "All time",
} as const;
export type Preset = keyof typeof PRESETS;
export const DEFAULT_PRESET: Preset = "30d";

/** An inclusive range of UTC days; `from: null` means "from the first day with data". */
export interface RangeInput {
  preset: Preset | "custom";
  from: Date | null;
  to: Date;
}

// Custom ranges: real days within the years people may filter by (day-range.ts; blank is absent), at most three years long.
const rangeQuery = z
  .object({
    range: z.enum(["7d", "30d", "90d", "12m", "all", "custom"]).optional(),
    from: isoDay,
    to: isoDay,
  })
  .superRefine((value, ctx) => {
    const custom = value.range === "custom" || (!value.range && (value.from || value.to));
    if (!custom) return;
    if (!value.from) ctx.addIssue({ code: "custom", path: ["from"], message: "Choose a start date" });
    if (!value.to) ctx.addIssue({ code: "custom", path: ["to"], message: "Choose an end date" });
    if (value.from && value.to && value.from > value.to)
      ctx.addIssue({ code: "custom", path: ["to"], message: "The end date must be on or after the start date" });
    if (value.from && value.to && Date.parse(value.to) - Date.parse(value.from) > 3 * 366 * DAY_MS)
      ctx.addIssue({ code: "custom", path: ["to"], message: "Choose a range of at most three years" });
  });

export type RangeParse =
  | { ok: true; range: RangeInput }
  | { ok: false; range: RangeInput; errors: { from?: string; to?: string }; values: { from: string; to: string } };

/** Reads `?range=30d` or `?from=2026-01-01&to=2026-01-31` (UTC days, inclusive). Invalid input falls back to 30 days. */
export function parseRange(params: URLSearchParams, now = new Date()): RangeParse {
  const today = utcDay(now);
  const raw = Object.fromEntries(
    ["range", "from", "to"].flatMap((k) => (params.has(k) ? [[k, params.get(k) ?? ""]] : [])),
  );
  const parsed = rangeQuery.safeParse(raw);
  const fallback = presetRange(DEFAULT_PRESET, today);
  if (!parsed.success) {
    const errors: { from?: string; to?: string } = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] === "from" ? "from" : "to";
      errors[field] ??= issue.message;
    }
    if (!errors.from && !errors.to) errors.to = "Choose a range from the list";
    return { ok: false, range: fallback, errors, values: { from: raw.from ?? "", to: raw.to ?? "" } };
  }
  const { range, from, to } = parsed.data;
  if (range === "custom" || (!range && (from || to)))
    return {
      ok: true,
      range: { preset: "custom", from: dayStart(from!), to: dayStart(to!) },
    };
  return { ok: true, range: presetRange((range as Preset | undefined) ?? DEFAULT_PRESET, today) };
}

export function presetRange(preset: Preset, today: Date): RangeInput {
  const back = (days: number) => new Date(today.getTime() - (days - 1) * DAY_MS);
  switch (preset) {
    case "7d":
      return { preset, from: back(7), to: today };
    case "30d":
      return { preset, from: back(30), to: today };
    case "90d":
      return { preset, from: back(90), to: today };
    case "12m":
      return {
        preset,
        from: new Date(Date.UTC(today.getUTCFullYear() - 1, today.getUTCMonth(), today.getUTCDate() + 1)),
        to: today,
      };
    case "all":
      return { preset, from: null, to: today };
  }
}

export interface ResolvedRange {
  preset: Preset | "custom";
  from: string; // YYYY-MM-DD, inclusive
  to: string; // YYYY-MM-DD, inclusive
  days: number;
  previous: { from: string; to: string } | null;
}

function resolve(range: RangeInput, firstDay: Date | null): ResolvedRange {
  const from = range.from ?? (firstDay && firstDay <= range.to ? firstDay : range.to);
  const days = Math.round((range.to.getTime() - from.getTime()) / DAY_MS) + 1;
  const previous =
    range.preset === "all" ? null : { from: dayString(addDays(from, -days)), to: dayString(addDays(from, -1)) };
  return { preset: range.preset, from: dayString(from), to: dayString(range.to), days, previous };
}

/** A range of the platform rollup: "All time" starts on its first day. */
async function resolvePlatformRange(range: RangeInput) {
  let firstDay: Date | null = null;
  if (range.from === null) {
    const [first] = await db().$queryRaw<
      { day: Date | null }[]
    >`SELECT MIN("day") AS "day" FROM "platform_daily_revenue"`;
    firstDay = first?.day ?? null;
  }
  return resolve(range, firstDay);
}

/** The resolved range as instants for the membership figures; "All time" has no lower bound. */
function instantRange(range: ResolvedRange) {
  const { from, to } = dayBounds(range);
  return { from: range.preset === "all" ? null : from, to };
}

/** Every day of the range, for charts with no gaps. */
export function daysOf(range: { from: string; to: string }) {
  const out: string[] = [];
  for (let d = dayStart(range.from); dayString(d) <= range.to; d = addDays(d, 1)) out.push(dayString(d));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

export interface Totals {
  orders: number;
  gross: number;
  /** Platform fees net of fee refunds. */
  fees: number;
  stripeFees: number;
  refunds: number;
  refundCount: number;
  disputes: number;
  disputeCount: number;
  disputeLosses: number;
  /** The creator's revenue: gross − platform fees − refunds − dispute losses. */
  net: number;
  averageOrder: number;
}

export interface DayPoint {
  day: string;
  orders: number;
  gross: number;
  net: number;
  fees: number;
}

interface RollupSums {
  orderCount: number;
  grossAmount: number;
  applicationFeeAmount: number;
  stripeFeeAmount: number;
  refundCount: number;
  refundedAmount: number;
  applicationFeeRefunded: number;
  disputeCount: number;
  disputedAmount: number;
  disputeLostAmount: number;
}

const ZERO: RollupSums = {
  orderCount: 0,
  grossAmount: 0,
  applicationFeeAmount: 0,
  stripeFeeAmount: 0,
  refundCount: 0,
  refundedAmount: 0,
  applicationFeeRefunded: 0,
  disputeCount: 0,
  disputedAmount: 0,
  disputeLostAmount: 0,
};

function add(into: RollupSums, row: RollupSums) {
  for (const key of Object.keys(ZERO) as (keyof RollupSums)[]) into[key] += Number(row[key]);
}

export function totalsOf(sums: RollupSums): Totals {
  const fees = sums.applicationFeeAmount - sums.applicationFeeRefunded;
  return {
    orders: sums.orderCount,
    gross: sums.grossAmount,
    fees,
    stripeFees: sums.stripeFeeAmount,
    refunds: sums.refundedAmount,
    refundCount: sums.refundCount,
    disputes: sums.disputedAmount,
    disputeCount: sums.disputeCount,
    disputeLosses: sums.disputeLostAmount,
    net: sums.grossAmount - fees - sums.refundedAmount - sums.disputeLostAmount,
    averageOrder: sums.orderCount > 0 ? Math.round(sums.grossAmount / sums.orderCount) : 0,
  };
}

/** Change against the previous period in percent (one decimal), or null when the previous period had nothing. */
export function change(current: number, previous: number | undefined | null) {
  if (previous === undefined || previous === null || previous === 0) return null;
  return Math.round(((current - previous) / Math.abs(previous)) * 1000) / 10;
}

export interface CurrencyFigures {
  currency: string;
  current: Totals;
  previous: Totals | null;
  series: DayPoint[];
}

type DayRow = RollupSums & { day: string; currency: string };

/** Per-currency totals for the range and the previous period, and the daily series, from rows of (day, currency). */
function figuresFrom(rows: DayRow[], range: ResolvedRange): CurrencyFigures[] {
  const byCurrency = new Map<string, { current: RollupSums; previous: RollupSums; days: Map<string, RollupSums> }>();
  for (const row of rows) {
    let entry = byCurrency.get(row.currency);
    if (!entry)
      byCurrency.set(row.currency, (entry = { current: { ...ZERO }, previous: { ...ZERO }, days: new Map() }));
    if (row.day >= range.from) {
      add(entry.current, row);
      const day = entry.days.get(row.day) ?? { ...ZERO };
      add(day, row);
      entry.days.set(row.day, day);
    } else {
      add(entry.previous, row);
    }
  }
  const allDays = daysOf(range);
  return [...byCurrency.entries()]
    .filter(
      ([, e]) => e.current.orderCount || e.current.refundCount || e.current.disputeCount || e.current.disputeLostAmount,
    )
    .sort(([a, x], [b, y]) => y.current.grossAmount - x.current.grossAmount || a.localeCompare(b))
    .map(([currency, e]) => ({
      currency,
      current: totalsOf(e.current),
      previous: range.previous ? totalsOf(e.previous) : null,
      series: allDays.map((day) => {
        const t = totalsOf(e.days.get(day) ?? ZERO);
        return { day, orders: t.orders, gross: t.gross, net: t.net, fees: t.fees };
      }),
    }));
}

const SUM_COLUMNS = Prisma.raw(
  Object.keys(ZERO)
    .map((c) => `SUM("${c}")::int AS "${c}"`)
    .join(", "),
);

// ---------------------------------------------------------------------------------------------------------------
// Creator dashboard

export interface CreatorDashboard {
  range: ResolvedRange;
  currencies: CurrencyFigures[];
  topProducts: { productId: string; title: string; currency: string; orders: number; gross: number }[];
  recentOrders: {
    id: string;
    number: number;
    paidAt: string;
    buyerEmail: string;
    productTitle: string;
    currency: string;
    totalAmount: number;
    applicationFeeAmount: number;
    refundedAmount: number;
    status: string;
  }[];
  refunds: {
    id: string;
    orderNumber: number;
    createdAt: string;
    amount: number;
    currency: string;
    status: string;
    reason: string;
  }[];
  memberships: MembershipMetrics & { hasMembershipProduct: boolean };
}

export async function creatorDashboard(input: { creatorId: string; range: RangeInput }): Promise<CreatorDashboard> {
  const { creatorId } = input;
  let firstDay: Date | null = null;
  if (input.range.from === null) {
    const [first] = await db().$queryRaw<{ day: Date | null }[]>`
      SELECT MIN("day") AS "day" FROM "daily_revenue" WHERE "creatorId" = ${creatorId}`;
    firstDay = first?.day ?? null;
  }
  const range = resolve(input.range, firstDay);
  const start = range.previous?.from ?? range.from;
  const [rows, lists, memberships] = await Promise.all([
    db().$queryRaw<DayRow[]>`
      SELECT "day"::text AS "day", "currency", ${SUM_COLUMNS} FROM "daily_revenue"
      WHERE "creatorId" = ${creatorId} AND "day" BETWEEN ${start}::date AND ${range.to}::date
      GROUP BY "day", "currency"`,
    creatorLists(creatorId, range),
    creatorMemberships(creatorId, range),
  ]);
  return { range, currencies: figuresFrom(rows, range), ...lists, memberships };
}

/** The creator's membership figures, and whether they have a membership product at all (for the empty state). */
async function creatorMemberships(creatorId: string, range: ResolvedRange): Promise<CreatorDashboard["memberships"]> {
  const [metrics, product] = await Promise.all([
    membershipMetrics({ creatorId, range: instantRange(range) }),
    db().product.findFirst({ where: { creatorId, kind: "MEMBERSHIP" }, select: { id: true } }),
  ]);
  return { ...metrics, hasMembershipProduct: product !== null };
}

/** Top products, recent orders and refunds of one creator in the range (through the creator's indexes). */
async function creatorLists(creatorId: string, range: ResolvedRange) {
  const { from: fromDate, to: toExclusive } = dayBounds(range);
  const [topProducts, recentOrders, refunds] = await Promise.all([
    db().$queryRaw<CreatorDashboard["topProducts"]>`
      SELECT i."productId", MAX(i."productTitle") AS "title", o."currency", COUNT(*)::int AS "orders", SUM(o."totalAmount")::int AS "gross"
      FROM "orders" o JOIN "order_items" i ON i."orderId" = o."id"
      WHERE o."creatorId" = ${creatorId} AND o."paidAt" >= ${fromDate} AND o."paidAt" < ${toExclusive}
      GROUP BY i."productId", o."currency"
      ORDER BY "gross" DESC, "orders" DESC LIMIT 5`,
    db().$queryRaw<(Omit<CreatorDashboard["recentOrders"][number], "paidAt"> & { paidAt: Date })[]>`
      SELECT o."id", o."number", o."paidAt", o."buyerEmail", o."currency", o."totalAmount", o."applicationFeeAmount",
        o."refundedAmount", o."status"::text AS "status",
        (SELECT i."productTitle" FROM "order_items" i WHERE i."orderId" = o."id" LIMIT 1) AS "productTitle"
      FROM "orders" o
      WHERE o."creatorId" = ${creatorId} AND o."paidAt" >= ${fromDate} AND o."paidAt" < ${toExclusive}
      ORDER BY o."paidAt" DESC, o."number" DESC LIMIT 8`,
    db().$queryRaw<(Omit<CreatorDashboard["refunds"][number], "createdAt"> & { createdAt: Date })[]>`
      SELECT r."id", o."number" AS "orderNumber", r."createdAt", r."amount", r."currency", r."status"::text AS "status", r."reason"
      FROM "refunds" r JOIN "orders" o ON o."id" = r."orderId"
      WHERE o."creatorId" = ${creatorId} AND r."createdAt" >= ${fromDate} AND r."createdAt" < ${toExclusive}
      ORDER BY r."createdAt" DESC LIMIT 8`,
  ]);
  return {
    topProducts,
    recentOrders: recentOrders.map((o) => ({ ...o, paidAt: o.paidAt.toISOString() })),
    refunds: refunds.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
  };
}

/** Sales of one creator in the range, one line per order, for the CSV export (oldest first). */
export async function creatorSalesRows(input: { creatorId: string; range: RangeInput }) {
  const range = resolve(input.range, input.range.from ?? new Date("2000-01-01T00:00:00Z"));
  const { from, to } = dayBounds(range);
  const rows = await db().$queryRaw<
    {
      number: number;
      paidAt: Date;
      productTitle: string | null;
      buyerEmail: string;
      currency: string;
      totalAmount: number;
      applicationFeeAmount: number;
      refundedAmount: number;
      applicationFeeRefunded: number;
      status: string;
    }[]
  >`
    SELECT o."number", o."paidAt", (SELECT i."productTitle" FROM "order_items" i WHERE i."orderId" = o."id" LIMIT 1) AS "productTitle",
      o."buyerEmail", o."currency", o."totalAmount", o."applicationFeeAmount", o."refundedAmount", o."applicationFeeRefunded",
      o."status"::text AS "status"
    FROM "orders" o
    WHERE o."creatorId" = ${input.creatorId} AND o."paidAt" >= ${from} AND o."paidAt" < ${to}
    ORDER BY o."paidAt", o."number"`;
  return { range, rows };
}

/** The creator studio's CSV export: the creator's slug and sales in the range; null when the user has no creator
 * account. */
export async function creatorSalesExport(input: { userId: string; range: RangeInput }) {
  const creator = await db().creatorAccount.findUnique({
    where: { userId: input.userId },
    select: { id: true, slug: true },
  });
  if (!creator) return null;
  const { range, rows } = await creatorSalesRows({ creatorId: creator.id, range: input.range });
  return { slug: creator.slug, range, rows };
}

/** The Stripe card of the creator's revenue page: balance and recent payouts of their connected account. */
export type CreatorStripeCard =
  | { status: "not_connected" }
  | { status: "unavailable" }
  | {
      status: "ok";
      available: { amount: number; currency: string }[];
      pending: { amount: number; currency: string }[];
      payouts: { id: string; amount: number; currency: string; arrivalDate: string; status: string }[];
    };

async function creatorStripeCard(accountId: string | null): Promise<CreatorStripeCard> {
  if (!accountId) return { status: "not_connected" };
  try {
    const [balance, payouts] = await Promise.all([
      retrieveConnectedBalance(accountId),
      listConnectedPayouts(accountId),
    ]);
    const amounts = (list: { amount: number; currency: string }[]) =>
      list.map((b) => ({ amount: b.amount, currency: b.currency }));
    return {
      status: "ok",
      available: amounts(balance.available),
      pending: amounts(balance.pending),
      payouts: payouts.map((p) => ({
        id: p.id,
        amount: p.amount,
        currency: p.currency,
        arrivalDate: new Date(p.arrival_date * 1000).toISOString(),
        status: p.status,
      })),
    };
  } catch {
    // Stripe unreachable or refusing: the revenue figures come from our database and still render.
    return { status: "unavailable" };
  }
}

/**
 * The creator's revenue page: their dashboard for the range and their Stripe balance and payouts; null when the user
 * has no creator account. Recent orders and refunds come as the page shows them: not the buyer's email, not refund
 * reasons or staff notes.
 */
export async function creatorRevenue(input: { userId: string; range: RangeInput }) {
  const creator = await db().creatorAccount.findUnique({
    where: { userId: input.userId },
    select: { id: true, displayName: true, stripeAccountId: true, onboardingStatus: true },
  });
  if (!creator) return null;
  const [dashboard, stripe] = await Promise.all([
    creatorDashboard({ creatorId: creator.id, range: input.range }),
    creatorStripeCard(creator.onboardingStatus === "NOT_STARTED" ? null : creator.stripeAccountId),
  ]);
  return {
    creator: { displayName: creator.displayName },
    dashboard: {
      ...dashboard,
      recentOrders: dashboard.recentOrders.map((o) => ({
        number: o.number,
        paidAt: o.paidAt,
        productTitle: o.productTitle,
        currency: o.currency,
        totalAmount: o.totalAmount,
        refundedAmount: o.refundedAmount,
      })),
      refunds: dashboard.refunds.map((r, index) => ({
        key: index,
        orderNumber: r.orderNumber,
        createdAt: r.createdAt,
        amount: r.amount,
        currency: r.currency,
        status: r.status,
      })),
    },
    stripe,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Platform dashboard

/** The staff console's front page: the marketplace at a glance. */
export async function staffOverview() {
  const [buyers, creators, products, orders] = await Promise.all([
    db().user.count({ where: { role: "BUYER" } }),
    db().creatorAccount.count(),
    db().product.count({ where: { published: true } }),
    db().order.count(),
  ]);
  return {
    stats: [
      { label: "Buyers", value: buyers },
      { label: "Creators", value: creators },
      { label: "Published products", value: products },
      { label: "Orders", value: orders },
    ],
  };
}

export const CREATOR_SORTS = ["gross", "fees", "orders", "rate", "refunds", "name"] as const;
export type CreatorSort = (typeof CREATOR_SORTS)[number];
export const CREATORS_PAGE_SIZE = 20;

export interface CreatorRow {
  creatorId: string;
  displayName: string;
  slug: string;
  status: string;
  orders: number;
  gross: number;
  fees: number;
  refunds: number;
  /** Effective platform fee rate for the range in basis points (fees net of fee refunds ÷ gross), null without sales. */
  rateBps: number | null;
}

export interface PlatformDashboard {
  range: ResolvedRange;
  currencies: (CurrencyFigures & { newBuyers: number; previousNewBuyers: number | null })[];
  activeCreators: number;
  newBuyers: number;
  memberships: MembershipMetrics;
  creators: {
    currency: string;
    sort: CreatorSort;
    direction: "asc" | "desc";
    page: number;
    pageCount: number;
    total: number;
    rows: CreatorRow[];
  };
}

const SORT_SQL: Record<CreatorSort, string> = {
  gross: `"gross"`,
  fees: `"fees"`,
  orders: `"orders"`,
  refunds: `"refunds"`,
  rate: `("fees"::float8 / NULLIF("gross", 0))`,
  name: `LOWER(c."displayName")`,
};

export async function platformDashboard(input: {
  range: RangeInput;
  sort?: CreatorSort;
  direction?: "asc" | "desc";
  page?: number;
  currency?: string;
}): Promise<PlatformDashboard> {
  const range = await resolvePlatformRange(input.range);
  const start = range.previous?.from ?? range.from;
  const [rows, memberships] = await Promise.all([
    db().$queryRaw<(DayRow & { newBuyerCount: number })[]>`
      SELECT "day"::text AS "day", "currency", ${SUM_COLUMNS}, SUM("newBuyerCount")::int AS "newBuyerCount"
      FROM "platform_daily_revenue" WHERE "day" BETWEEN ${start}::date AND ${range.to}::date
      GROUP BY "day", "currency"`,
    membershipMetrics({ creatorId: null, range: instantRange(range) }),
  ]);
  const newBuyers = new Map<string, { current: number; previous: number }>();
  for (const row of rows) {
    const entry = newBuyers.get(row.currency) ?? { current: 0, previous: 0 };
    if (row.day >= range.from) entry.current += row.newBuyerCount;
    else entry.previous += row.newBuyerCount;
    newBuyers.set(row.currency, entry);
  }
  const currencies = figuresFrom(rows, range).map((figures) => ({
    ...figures,
    newBuyers: newBuyers.get(figures.currency)?.current ?? 0,
    previousNewBuyers: range.previous ? (newBuyers.get(figures.currency)?.previous ?? 0) : null,
  }));
  const currency =
    input.currency && currencies.some((c) => c.currency === input.currency)
      ? input.currency
      : (currencies[0]?.currency ?? "usd");
  const { activeCreators, ...creators } = await creatorsTable({
    range,
    currency,
    sort: input.sort ?? "gross",
    direction: input.direction ?? "desc",
    page: input.page ?? 1,
  });
  return {
    range,
    currencies,
    activeCreators,
    newBuyers: [...newBuyers.values()].reduce((sum, n) => sum + n.current, 0),
    memberships,
    creators,
  };
}

async function creatorsTable(input: {
  range: { from: string; to: string };
  currency: string;
  sort: CreatorSort;
  direction: "asc" | "desc";
  page: number;
  pageSize?: number;
}) {
  const pageSize = input.pageSize ?? CREATORS_PAGE_SIZE;
  const page = Math.max(1, Math.floor(input.page));
  const order = Prisma.raw(`${SORT_SQL[input.sort]} ${input.direction === "asc" ? "ASC" : "DESC"} NULLS LAST, c."id"`);
  // One pass over the range's creator-day rows gives both the page of the table and the active-creator count.
  const rows = await db().$queryRaw<
    (Omit<CreatorRow, "rateBps" | "creatorId"> & { creatorId: string | null; total: number; active: number })[]
  >`
    WITH per AS MATERIALIZED (
      SELECT "creatorId", "currency", SUM("orderCount")::int AS "orders", SUM("grossAmount")::int AS "gross",
        (SUM("applicationFeeAmount") - SUM("applicationFeeRefunded"))::int AS "fees", SUM("refundedAmount")::int AS "refunds"
      FROM "daily_revenue"
      WHERE "day" BETWEEN ${input.range.from}::date AND ${input.range.to}::date
      GROUP BY "creatorId", "currency"
    ), page AS (
      SELECT c."id" AS "creatorId", c."displayName", c."slug", c."onboardingStatus"::text AS "status",
        per."orders", per."gross", per."fees", per."refunds", COUNT(*) OVER ()::int AS "total"
      FROM per JOIN "creator_accounts" c ON c."id" = per."creatorId"
      WHERE per."currency" = ${input.currency}
      ORDER BY ${order}
      LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}
    )
    SELECT page.*, a."active" FROM (SELECT COUNT(DISTINCT "creatorId")::int AS "active" FROM per WHERE "orders" > 0) a
    LEFT JOIN page ON TRUE`;
  const activeCreators = rows[0]?.active ?? 0;
  const listed = rows.filter((row) => row.creatorId !== null) as (Omit<CreatorRow, "rateBps"> & {
    total: number;
    active: number;
  })[];
  const total = listed[0]?.total ?? 0;
  return {
    activeCreators,
    currency: input.currency,
    sort: input.sort,
    direction: input.direction,
    page,
    pageCount: Math.max(1, Math.ceil(total / pageSize)),
    total,
    rows: listed.map(({ total: _total, active: _active, ...row }) => ({
      ...row,
      rateBps: row.gross > 0 ? Math.round((row.fees * 10_000) / row.gross) : null,
    })),
  };
}

/** Every creator's figures for the range, one line per creator and currency, for the staff CSV export. */
export async function platformCreatorRows(input: { range: RangeInput }) {
  const range = await resolvePlatformRange(input.range);
  const rows = await db().$queryRaw<
    {
      displayName: string;
      slug: string;
      status: string;
      currency: string;
      orders: number;
      gross: number;
      fees: number;
      stripeFees: number;
      refunds: number;
      disputeLosses: number;
    }[]
  >`
    SELECT c."displayName", c."slug", c."onboardingStatus"::text AS "status", d."currency",
      SUM(d."orderCount")::int AS "orders", SUM(d."grossAmount")::int AS "gross",
      (SUM(d."applicationFeeAmount") - SUM(d."applicationFeeRefunded"))::int AS "fees", SUM(d."stripeFeeAmount")::int AS "stripeFees",
      SUM(d."refundedAmount")::int AS "refunds", SUM(d."disputeLostAmount")::int AS "disputeLosses"
    FROM "daily_revenue" d JOIN "creator_accounts" c ON c."id" = d."creatorId"
    WHERE d."day" BETWEEN ${range.from}::date AND ${range.to}::date
    GROUP BY c."id", d."currency"
    ORDER BY d."currency", "gross" DESC, c."id"`;
  return { range, rows };
}

// ---------------------------------------------------------------------------------------------------------------
// The naive baseline: the same figures aggregated from orders, refunds and disputes on every call.

function naiveDayRows(filter: { creatorId?: string; from: string; to: string }) {
  const creator = filter.creatorId ? Prisma.sql`AND o."creatorId" = ${filter.creatorId}` : Prisma.empty;
  const { from, to } = dayBounds(filter);
  return db().$queryRaw<DayRow[]>`
    SELECT "day"::text AS "day", "currency", ${SUM_COLUMNS} FROM (
      SELECT o."paidAt"::date AS "day", o."currency", 1 AS "orderCount", o."totalAmount" AS "grossAmount", o."applicationFeeAmount",
        COALESCE(o."stripeFeeAmount", 0) AS "stripeFeeAmount", 0 AS "refundCount", 0 AS "refundedAmount", 0 AS "applicationFeeRefunded",
        0 AS "disputeCount", 0 AS "disputedAmount", 0 AS "disputeLostAmount"
      FROM "orders" o WHERE o."paidAt" >= ${from} AND o."paidAt" < ${to} ${creator}
      UNION ALL
      SELECT r."createdAt"::date, o."currency", 0, 0, 0, 0, 1, r."amount", r."applicationFeeRefundAmount", 0, 0, 0
      FROM "refunds" r JOIN "orders" o ON o."id" = r."orderId"
      WHERE r."status" IN ('PENDING', 'SUCCEEDED') AND r."createdAt" >= ${from} AND r."createdAt" < ${to} ${creator}
      UNION ALL
      SELECT d."createdAt"::date, o."currency", 0, 0, 0, 0, 0, 0, 0, 1, d."amount", 0
      FROM "disputes" d JOIN "orders" o ON o."id" = d."orderId" WHERE d."createdAt" >= ${from} AND d."createdAt" < ${to} ${creator}
      UNION ALL
      SELECT d."closedAt"::date, o."currency", 0, 0, 0, 0, 0, 0, 0, 0, 0, d."amount"
      FROM "disputes" d JOIN "orders" o ON o."id" = d."orderId"
      WHERE d."outcome" = 'LOST' AND d."closedAt" >= ${from} AND d."closedAt" < ${to} ${creator}
    ) AS events GROUP BY "day", "currency"`;
}

/** The creator dashboard from raw orders, refunds and disputes (benchmark baseline, test cross-check): the same page,
 * with the figures aggregated from raw rows instead of read from the rollups. */
export async function naiveCreatorDashboard(input: {
  creatorId: string;
  range: RangeInput;
}): Promise<CreatorDashboard> {
  let firstDay: Date | null = null;
  if (input.range.from === null) {
    const [first] = await db().$queryRaw<{ day: Date | null }[]>`
      SELECT MIN("paidAt")::date AS "day" FROM "orders" WHERE "creatorId" = ${input.creatorId}`;
    firstDay = first?.day ?? null;
  }
  const range = resolve(input.range, firstDay);
  const [rows, lists, memberships] = await Promise.all([
    naiveDayRows({ creatorId: input.creatorId, from: range.previous?.from ?? range.from, to: range.to }),
    creatorLists(input.creatorId, range),
    creatorMemberships(input.creatorId, range),
  ]);
  return { range, currencies: figuresFrom(rows, range), ...lists, memberships };
}

/** The platform dashboard's figures from raw rows (benchmark baseline, test cross-check). */
export async function naivePlatformDashboard(input: {
  range: RangeInput;
  currency?: string;
  sort?: CreatorSort;
  page?: number;
}) {
  let firstDay: Date | null = null;
  if (input.range.from === null) {
    const [first] = await db().$queryRaw<{ day: Date | null }[]>`SELECT MIN("paidAt")::date AS "day" FROM "orders"`;
    firstDay = first?.day ?? null;
  }
  const range = resolve(input.range, firstDay);
  const { from, to } = dayBounds(range);
  const [rows, active, buyers] = await Promise.all([
    naiveDayRows({ from: range.previous?.from ?? range.from, to: range.to }),
    db().$queryRaw<{ count: number }[]>`
      SELECT COUNT(DISTINCT "creatorId")::int AS "count" FROM "orders" WHERE "paidAt" >= ${from} AND "paidAt" < ${to}`,
    db().$queryRaw<{ currency: string; count: number }[]>`
      SELECT "currency", COUNT(*)::int AS "count" FROM (
        SELECT DISTINCT ON ("buyerId") "paidAt", "currency" FROM "orders" ORDER BY "buyerId", "paidAt", "id"
      ) AS firsts WHERE "paidAt" >= ${from} AND "paidAt" < ${to} GROUP BY "currency"`,
  ]);
  const currencies = figuresFrom(rows, range);
  const currency = input.currency ?? currencies[0]?.currency ?? "usd";
  const sort = Prisma.raw(SORT_SQL[input.sort ?? "gross"].replace(`LOWER(c."displayName")`, `LOWER("displayName")`));
  const creators = await db().$queryRaw<
    { creatorId: string; orders: number; gross: number; fees: number; refunds: number }[]
  >`
    SELECT * FROM (
      SELECT o."creatorId", MIN(c."displayName") AS "displayName", COUNT(*)::int AS "orders", SUM(o."totalAmount")::int AS "gross",
        (SUM(o."applicationFeeAmount") - COALESCE(SUM(r."feeRefunded"), 0))::int AS "fees", COALESCE(SUM(r."refunded"), 0)::int AS "refunds"
      FROM "orders" o JOIN "creator_accounts" c ON c."id" = o."creatorId"
      LEFT JOIN LATERAL (
        SELECT SUM("amount") AS "refunded", SUM("applicationFeeRefundAmount") AS "feeRefunded" FROM "refunds"
        WHERE "orderId" = o."id" AND "status" IN ('PENDING', 'SUCCEEDED') AND "createdAt" >= ${from} AND "createdAt" < ${to}
      ) r ON TRUE
      WHERE o."paidAt" >= ${from} AND o."paidAt" < ${to} AND o."currency" = ${currency}
      GROUP BY o."creatorId"
    ) per
    ORDER BY ${sort} DESC NULLS LAST, "creatorId"
    LIMIT ${CREATORS_PAGE_SIZE} OFFSET ${((input.page ?? 1) - 1) * CREATORS_PAGE_SIZE}`;
  return {
    range,
    currencies,
    activeCreators: active[0]?.count ?? 0,
    newBuyers: buyers.reduce((sum, b) => sum + b.count, 0),
    creators,
  };
}
