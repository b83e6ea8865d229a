// The marketplace's revenue for staff: the console's front page counts, and the platform dashboard for a range (figures
// per currency from the `platform_daily_revenue` rollup, membership figures across all creators, and every creator's
// sales and fees from `daily_revenue`, sortable and paginated), with its CSV export. Nothing here scans all orders.
import { db, Prisma } from "#app/utils/db.server.ts";
import { instantRange, resolveRange, type RangeInput, type ResolvedRange } from "./day-range.ts";
import { membershipMetrics, type MembershipMetrics } from "./membership-metrics.server.ts";
import { figuresFrom, SUM_COLUMNS, type CurrencyFigures, type DayRow } from "./sales-figures.server.ts";

/** A range of the platform rollup: "All time" starts on its first day. */
async function resolvePlatformRange(range: RangeInput) {
  let firstDay: Date | null = null;
  if (range.from === null) {
    const [first] = await db().$queryRaw<
      { day: Date | null }[]
    >`SELECT MIN("day") AS "day" FROM "platform_daily_revenue"`;
    firstDay = first?.day ?? null;
  }
  return resolveRange(range, firstDay);
}

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

/** The creators table's ORDER BY expression per sort (the naive baseline sorts its own rows by the same ones). */
export const SORT_SQL: Record<CreatorSort, string> = {
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
