// Membership figures on the dashboards, from Membership rows written straight into the test database: MRR exact to
// the cent with monthly and yearly plans mixed, each currency apart, trial conversion and churn over a range (with its
// boundaries), creators never seeing each other's members, the platform's totals, and the dashboard loaders.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { MembershipFigures } from "#app/components/dashboard.tsx";
import {
  membershipMetrics,
  monthlyRecurring,
  rateBps,
  type MembershipCurrencyFigures,
} from "#app/domain/membership-metrics.server.ts";
import type { BillingInterval, MembershipStatus } from "#app/generated/prisma/client.ts";
import { loader as creatorLoader } from "#app/routes/creator+/dashboard.tsx";
import { loader as staffLoader } from "#app/routes/staff+/dashboard.tsx";
import { db, Prisma } from "#app/utils/db.server.ts";
import { creatorWithAccount } from "#tests/helpers/catalog.ts";
import { callRoute, createUser, getRequest, sessionCookie } from "#tests/helpers/requests.ts";

let sequence = 0;

async function membershipProduct(creatorId: string, currency = "usd") {
  sequence += 1;
  return db().product.create({
    data: {
      creatorId,
      kind: "MEMBERSHIP",
      title: `Members' club ${sequence}`,
      slug: `members-club-${sequence}-${Date.now()}`,
      published: true,
      publishedAt: new Date(),
      prices: {
        create: [
          { amount: 500, currency, interval: "MONTH" },
          { amount: 5000, currency, interval: "YEAR" },
        ],
      },
    },
    include: { prices: true },
  });
}

type Product = Awaited<ReturnType<typeof membershipProduct>>;

/** One Membership row as the Stripe sync would leave it; `at` is "YYYY-MM-DD" or a Date. */
async function member(
  product: Product,
  buyerId: string,
  fields: {
    status?: MembershipStatus;
    interval?: BillingInterval;
    amount?: number;
    currency?: string;
    feePercent?: string | null;
    createdAt?: string;
    trialEndsAt?: string | null;
    convertedAt?: string | null;
    endedAt?: string | null;
    cancelAtPeriodEnd?: boolean;
  } = {},
) {
  sequence += 1;
  const interval = fields.interval ?? "MONTH";
  const price = product.prices.find((p) => p.interval === interval)!;
  const at = (day: string | null | undefined) => (day ? new Date(day.length === 10 ? `${day}T12:00:00Z` : day) : null);
  return db().membership.create({
    data: {
      buyerId,
      creatorId: product.creatorId,
      productId: product.id,
      priceId: price.id,
      stripeSubscriptionId: `sub_metrics_${sequence}_${Date.now()}`,
      stripeCustomerId: `cus_metrics_${sequence}`,
      status: fields.status ?? "ACTIVE",
      amount: fields.amount ?? price.amount,
      currency: fields.currency ?? price.currency,
      interval,
      applicationFeePercent: fields.feePercent === null ? null : new Prisma.Decimal(fields.feePercent ?? "10"),
      trialEndsAt: at(fields.trialEndsAt),
      convertedAt: at(fields.convertedAt),
      endedAt: at(fields.endedAt),
      cancelAtPeriodEnd: fields.cancelAtPeriodEnd ?? false,
      ...(fields.createdAt ? { createdAt: at(fields.createdAt)! } : {}),
    },
  });
}

async function setup(currency = "usd") {
  const { user, creator, cookie } = await creatorWithAccount();
  const product = await membershipProduct(creator.id, currency);
  const { user: buyer } = await createUser();
  return { user, creator, cookie, product, buyer };
}

const NOW = { from: null, to: new Date("2100-01-01T00:00:00Z") };
const of = (figures: MembershipCurrencyFigures[], currency: string) => figures.find((f) => f.currency === currency);

describe("monthly recurring revenue", () => {
  it("divides the yearly sum once, rounding half up", () => {
    expect(monthlyRecurring(0, 3000)).toBe(250);
    expect(monthlyRecurring(0, 1000)).toBe(83);
    expect(monthlyRecurring(0, 2000)).toBe(167); // not 2 × 83
    expect(monthlyRecurring(0, 6)).toBe(1); // 0.5 rounds up
    expect(monthlyRecurring(0, 5)).toBe(0);
    expect(monthlyRecurring(100, 2000)).toBe(267);
    expect(monthlyRecurring(10n ** 15n, 12n * 10n ** 15n)).toBe(2 * 10 ** 15);
    expect(rateBps(2, 3)).toBe(6667);
    expect(rateBps(1, 8)).toBe(1250);
    expect(rateBps(0, 0)).toBeNull();
  });

  it("sums active and past-due members, yearly plans ÷ 12 exactly, trials and ended ones left out, each currency apart", async () => {
    const { creator, product, buyer } = await setup("usd");
    for (let i = 0; i < 3; i++) await member(product, buyer.id, { interval: "YEAR", amount: 1000 }); // 3 × 1000 / 12 = 250
    await member(product, buyer.id, { amount: 333, feePercent: "12.5" });
    await member(product, buyer.id, { amount: 333, feePercent: "12.5", status: "PAST_DUE" });
    await member(product, buyer.id, { amount: 500, status: "ACTIVE", cancelAtPeriodEnd: true, feePercent: null });
    await member(product, buyer.id, { amount: 900, status: "TRIALING", trialEndsAt: "2099-01-01" });
    await member(product, buyer.id, { amount: 900, status: "CANCELED", endedAt: "2026-01-10" });
    await member(product, buyer.id, { amount: 900, status: "INCOMPLETE" });
    await member(product, buyer.id, { amount: 900, status: "PAUSED" });
    const eurProduct = await membershipProduct(creator.id, "eur");
    await member(eurProduct, buyer.id, { amount: 700 });
    await member(eurProduct, buyer.id, { interval: "YEAR", amount: 1000 });

    const { hasMemberships, currencies } = await membershipMetrics({ creatorId: creator.id, range: NOW });
    expect(hasMemberships).toBe(true);
    expect(currencies.map((c) => c.currency)).toEqual(["usd", "eur"]);
    expect(of(currencies, "usd")).toMatchObject({
      mrr: 250 + 333 + 333 + 500,
      // 3 × 1000 × 10% ÷ 12 = 25, 2 × 333 × 12.5% = 83.25, none on the one without a fee: rounded once → 108
      platformFeeMrr: 108,
      activeMembers: 6,
      trialing: 1,
      pastDue: 1,
      cancelsSoon: 1,
    });
    expect(of(currencies, "eur")).toMatchObject({ mrr: 700 + 83, platformFeeMrr: 78, activeMembers: 2, trialing: 0 });
  });
});

describe("trial conversion and churn over a range", () => {
  const MARCH = { from: new Date("2026-03-01T00:00:00Z"), to: new Date("2026-04-01T00:00:00Z") };

  it("counts conversions, trials ended unconverted, members at the start and those who left, at the range's edges", async () => {
    const { creator, product, buyer } = await setup("usd");
    const add = (fields: Parameters<typeof member>[2]) => member(product, buyer.id, fields);
    // Trials
    await add({ createdAt: "2026-02-25", trialEndsAt: "2026-03-10", convertedAt: "2026-03-10" }); // converted in range
    await add({ createdAt: "2026-02-20", trialEndsAt: "2026-03-12", convertedAt: "2026-03-12" }); // converted in range (trialing at start)
    await add({ createdAt: "2026-02-01", trialEndsAt: "2026-02-20", convertedAt: "2026-02-20" }); // converted before: a member at start
    await add({ createdAt: "2026-02-27", trialEndsAt: "2026-03-15", status: "CANCELED", endedAt: "2026-03-15" }); // trial lost in range
    await add({ createdAt: "2026-03-20", trialEndsAt: "2026-04-05", status: "CANCELED", endedAt: "2026-04-05" }); // lost after the range
    await add({ createdAt: "2026-02-25", trialEndsAt: "2099-01-01", status: "TRIALING" }); // still trialing
    // Paying members without a trial
    await add({ createdAt: "2026-01-01" }); // at start, stays
    await add({ createdAt: "2026-01-01", status: "CANCELED", endedAt: "2026-03-20" }); // at start, churned
    await add({ createdAt: "2026-01-01", status: "UNPAID", endedAt: "2026-03-01T00:00:00.000Z" }); // ended at the very start: churned
    await add({ createdAt: "2026-01-01", status: "UNPAID", endedAt: "2026-02-28T23:59:59.999Z" }); // ended before: not at start
    await add({ createdAt: "2026-01-01", status: "CANCELED", endedAt: "2026-04-01T00:00:00.000Z" }); // ended after the range: stays
    await add({ createdAt: "2026-03-05", status: "CANCELED", endedAt: "2026-03-25" }); // joined in range: not at start
    await add({ createdAt: "2026-02-27", status: "INCOMPLETE_EXPIRED", endedAt: "2026-03-02" }); // never paid

    const march = of((await membershipMetrics({ creatorId: creator.id, range: MARCH })).currencies, "usd")!;
    expect(march).toMatchObject({
      converted: 2,
      trialsEndedUnconverted: 1,
      conversionRateBps: 6667,
      membersAtStart: 5,
      churned: 2,
      churnRateBps: 4000,
    });

    // "All time" has no start: every conversion and lost trial so far, and no churn rate.
    const allTime = of((await membershipMetrics({ creatorId: creator.id, range: NOW })).currencies, "usd")!;
    expect(allTime).toMatchObject({
      converted: 3,
      trialsEndedUnconverted: 2,
      conversionRateBps: 6000,
      membersAtStart: 0,
      churned: 0,
      churnRateBps: null,
    });

    // A range with nothing happening has no rates, not 0%.
    const quiet = of(
      (
        await membershipMetrics({
          creatorId: creator.id,
          range: { from: new Date("2025-06-01T00:00:00Z"), to: new Date("2025-07-01T00:00:00Z") },
        })
      ).currencies,
      "usd",
    )!;
    expect(quiet).toMatchObject({
      converted: 0,
      trialsEndedUnconverted: 0,
      conversionRateBps: null,
      membersAtStart: 0,
      churnRateBps: null,
    });
  });
});

describe("scoping", () => {
  it("shows a creator only their own members, and the platform everyone's", async () => {
    const a = await setup("sek");
    const b = await setup("sek");
    await member(a.product, a.buyer.id, { amount: 1200 });
    await member(b.product, b.buyer.id, { amount: 3000 });
    await member(b.product, b.buyer.id, { interval: "YEAR", amount: 1200 });
    await member(b.product, b.buyer.id, { status: "TRIALING", trialEndsAt: "2099-01-01" });

    const forA = await membershipMetrics({ creatorId: a.creator.id, range: NOW });
    expect(forA.currencies).toHaveLength(1);
    expect(of(forA.currencies, "sek")).toMatchObject({ mrr: 1200, activeMembers: 1, trialing: 0 });
    expect(of((await membershipMetrics({ creatorId: b.creator.id, range: NOW })).currencies, "sek")).toMatchObject({
      mrr: 3100,
      activeMembers: 2,
      trialing: 1,
    });
    expect(of((await membershipMetrics({ creatorId: null, range: NOW })).currencies, "sek")).toMatchObject({
      mrr: 4300,
      platformFeeMrr: 430,
      activeMembers: 3,
      trialing: 1,
    });

    const { creator: none } = await creatorWithAccount();
    expect(await membershipMetrics({ creatorId: none.id, range: NOW })).toEqual({
      hasMemberships: false,
      currencies: [],
    });
  });
});

describe("dashboard loaders", () => {
  const get = async (loader: typeof creatorLoader | typeof staffLoader, path: string, cookie: string) => {
    const response = await callRoute(loader, getRequest(path, { cookie }));
    expect(response.status).toBe(200);
    return (await response.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it("give the creator and staff dashboards the membership figures for the selected range", async () => {
    const { cookie, product, buyer } = await setup("nok");
    await member(product, buyer.id, { createdAt: "2026-01-15", interval: "YEAR", amount: 1000 });
    await member(product, buyer.id, { createdAt: "2026-01-15", interval: "YEAR", amount: 1000 });
    await member(product, buyer.id, { createdAt: "2026-01-01", status: "CANCELED", endedAt: "2026-03-20" });
    await member(product, buyer.id, {
      createdAt: "2026-02-25",
      trialEndsAt: "2026-03-10",
      convertedAt: "2026-03-10",
      status: "PAST_DUE",
    });
    const other = await setup("nok");
    await member(other.product, other.buyer.id, { createdAt: "2026-01-15", amount: 10_000 });

    const march = "range=custom&from=2026-03-01&to=2026-03-31";
    const body = await get(creatorLoader, `/creator/dashboard?${march}`, cookie);
    expect(body.dashboard.memberships.hasMemberships).toBe(true);
    expect(body.dashboard.memberships.hasMembershipProduct).toBe(true);
    expect(body.dashboard.memberships.currencies).toEqual([
      {
        currency: "nok",
        mrr: 167 + 500,
        platformFeeMrr: 67,
        activeMembers: 3,
        trialing: 0,
        pastDue: 1,
        cancelsSoon: 0,
        converted: 1,
        trialsEndedUnconverted: 0,
        conversionRateBps: 10_000,
        membersAtStart: 3,
        churned: 1,
        churnRateBps: 3333,
      },
    ]);
    // A range after everything happened: the same members now, nothing converted or churned in it.
    const later = await get(creatorLoader, "/creator/dashboard?range=custom&from=2026-05-01&to=2026-05-31", cookie);
    expect(later.dashboard.memberships.currencies[0]).toMatchObject({
      mrr: 667,
      converted: 0,
      conversionRateBps: null,
      membersAtStart: 3,
      churned: 0,
      churnRateBps: 0,
    });

    const { user: staff } = await createUser({ role: "STAFF" });
    const platform = await get(staffLoader, `/staff/dashboard?${march}`, await sessionCookie(staff.id));
    expect(platform.dashboard.memberships.hasMemberships).toBe(true);
    const nok = platform.dashboard.memberships.currencies.find((c: { currency: string }) => c.currency === "nok");
    expect(nok).toMatchObject({
      mrr: 667 + 10_000,
      platformFeeMrr: 67 + 1000,
      activeMembers: 4,
      converted: 1,
      membersAtStart: 4,
      churned: 1,
      churnRateBps: 2500,
    });
  });

  it("tell a creator without memberships whether they have a membership product yet", async () => {
    const { cookie, creator } = await creatorWithAccount();
    const before = await get(creatorLoader, "/creator/dashboard", cookie);
    expect(before.dashboard.memberships).toEqual({
      hasMemberships: false,
      hasMembershipProduct: false,
      currencies: [],
    });
    await membershipProduct(creator.id);
    const after = await get(creatorLoader, "/creator/dashboard", cookie);
    expect(after.dashboard.memberships).toEqual({ hasMemberships: false, hasMembershipProduct: true, currencies: [] });
  });
});

describe("the Memberships row", () => {
  const figures: MembershipCurrencyFigures = {
    currency: "usd",
    mrr: 125_050,
    platformFeeMrr: 12_505,
    activeMembers: 42,
    trialing: 5,
    pastDue: 2,
    cancelsSoon: 1,
    converted: 3,
    trialsEndedUnconverted: 0,
    conversionRateBps: 10_000,
    membersAtStart: 0,
    churned: 0,
    churnRateBps: null,
  };
  const render = (props: Parameters<typeof MembershipFigures>[0]) =>
    renderToStaticMarkup(createElement(MembershipFigures, props));

  it("shows MRR with formatMoney, rates as percents, a dash without a base, and the warnings", () => {
    const html = render({ memberships: { hasMemberships: true, currencies: [figures] }, platform: true, empty: null });
    expect(html).toContain("$1,250.50");
    expect(html).toContain("Est. platform fee MRR");
    expect(html).toContain("$125.05");
    expect(html).toContain("100.0%");
    expect(html).toMatch(/data-testid="churn-usd">—</);
    expect(html).toContain("2 payments failed");
    expect(html).toContain("1 cancels soon");
    expect(render({ memberships: { hasMemberships: true, currencies: [figures] }, empty: null })).not.toContain(
      "platform fee",
    );
  });

  it("shows the empty state when there are no memberships", () => {
    const html = render({
      memberships: { hasMemberships: false, currencies: [] },
      empty: createElement("p", null, "No memberships yet"),
    });
    expect(html).toContain("No memberships yet");
    expect(html).not.toContain("MRR</dt>");
  });
});
