// The dashboard loaders and CSV exports through real Requests: figures from sales on chosen days in two currencies,
// ranges and their validation, the previous-period change, the creators table, roles, Stripe being unreachable, and
// memberships (their invoices in the sales figures, their members in the Memberships row; the figures themselves are
// covered in membership-metrics.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rollupRefund, rollupSale, utcDay } from "#app/domain/revenue.server.ts";
import { loader as creatorLoader } from "#app/routes/creator+/dashboard.tsx";
import { loader as creatorCsvLoader } from "#app/routes/creator+/dashboard[.]csv.tsx";
import { loader as staffLoader } from "#app/routes/staff+/dashboard.tsx";
import { loader as staffCsvLoader } from "#app/routes/staff+/dashboard[.]csv.tsx";
import { db, transaction } from "#app/utils/db.server.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
});
afterAll(async () => stripeEnv?.stop());

const today = utcDay(new Date());
const daysAgo = (n: number, hour = 12) => new Date(today.getTime() - n * 86_400_000 + hour * 3_600_000);
const iso = (d: Date) => d.toISOString().slice(0, 10);

/** A paid order written the way fulfillment writes one (order, item, rollup in one transaction). */
async function sale(input: {
  creatorId: string;
  amount: number;
  currency: string;
  paidAt: Date;
  fee?: number;
  stripeFee?: number;
}) {
  const product = await publishedProduct(input.creatorId, { amount: input.amount, currency: input.currency });
  const { user } = await createUser();
  const fee = input.fee ?? Math.round(input.amount / 10);
  return transaction(async (tx) => {
    const order = await tx.order.create({
      data: {
        buyerId: user.id,
        creatorId: input.creatorId,
        buyerEmail: user.email,
        currency: input.currency,
        totalAmount: input.amount,
        applicationFeeAmount: fee,
        creatorAmount: input.amount - fee,
        stripeFeeAmount: input.stripeFee ?? 59,
        paidAt: input.paidAt,
        items: {
          create: {
            productId: product.id,
            priceId: product.prices[0]!.id,
            productTitle: product.title,
            unitAmount: input.amount,
            amount: input.amount,
            currency: input.currency,
            applicationFeeAmount: fee,
            feeBps: 1000,
          },
        },
      },
    });
    await rollupSale(tx, order);
    return order;
  });
}

async function json(response: Response) {
  return (await response.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe("creator dashboard", () => {
  it("shows gross, fees, refunds, net, orders and average per currency, the change against the previous period, and the CSV agrees", async () => {
    const { user, creator } = await onboardedCreator(stripeEnv.url);
    await sale({ creatorId: creator.id, amount: 2000, currency: "usd", paidAt: daysAgo(1) });
    const refunded = await sale({ creatorId: creator.id, amount: 5000, currency: "usd", paidAt: daysAgo(3) });
    await sale({ creatorId: creator.id, amount: 1000, currency: "usd", paidAt: daysAgo(40) }); // previous period
    await sale({ creatorId: creator.id, amount: 1500, currency: "eur", paidAt: daysAgo(2), fee: 150 });
    await sale({ creatorId: creator.id, amount: 9999, currency: "usd", paidAt: daysAgo(200) }); // outside both
    await transaction(async (tx) => {
      const refund = await tx.refund.create({
        data: {
          orderId: refunded.id,
          amount: 1000,
          currency: "usd",
          reason: "requested_by_customer",
          status: "SUCCEEDED",
          reverseTransfer: true,
          refundApplicationFee: true,
          transferReversalAmount: 1000,
          applicationFeeRefundAmount: 100,
          createdAt: daysAgo(2),
        },
      });
      await tx.order.update({
        where: { id: refunded.id },
        data: { refundedAmount: 1000, applicationFeeRefunded: 100, status: "PARTIALLY_REFUNDED" },
      });
      await rollupRefund(tx, refunded, refund, 1);
    });
    // Another creator's sales never show up.
    const { creator: other } = await onboardedCreator(stripeEnv.url);
    await sale({ creatorId: other.id, amount: 7777, currency: "usd", paidAt: daysAgo(1) });

    const cookie = await sessionCookie(user.id);
    const response = await callRoute(creatorLoader, getRequest("/creator/dashboard?range=30d", { cookie }));
    expect(response.status).toBe(200);
    const body = await json(response);
    const usd = body.dashboard.currencies.find((c: { currency: string }) => c.currency === "usd");
    expect(usd.current).toEqual({
      orders: 2,
      gross: 7000,
      fees: 700 - 100,
      stripeFees: 118,
      refunds: 1000,
      refundCount: 1,
      disputes: 0,
      disputeCount: 0,
      disputeLosses: 0,
      net: 7000 - 600 - 1000,
      averageOrder: 3500,
    });
    expect(usd.previous.gross).toBe(1000);
    expect(usd.series).toHaveLength(30);
    expect(usd.series.find((p: { day: string }) => p.day === iso(daysAgo(3))).gross).toBe(5000);
    const eur = body.dashboard.currencies.find((c: { currency: string }) => c.currency === "eur");
    expect(eur.current.gross).toBe(1500);
    expect(eur.current.net).toBe(1350);
    expect(body.dashboard.recentOrders.map((o: { totalAmount: number }) => o.totalAmount)).toEqual([2000, 1500, 5000]);
    expect(body.dashboard.refunds).toHaveLength(1);
    expect(body.dashboard.topProducts[0].gross).toBe(5000);
    expect(body.stripe.status).toBe("ok");
    expect(body.stripe.available.concat(body.stripe.pending)).toEqual(expect.any(Array));
    expect(body.dashboard.memberships).toEqual({ hasMemberships: false, hasMembershipProduct: false, currencies: [] });

    const all = await json(await callRoute(creatorLoader, getRequest("/creator/dashboard?range=all", { cookie })));
    expect(all.dashboard.range.from).toBe(iso(daysAgo(200)));
    expect(all.dashboard.currencies.find((c: { currency: string }) => c.currency === "usd").current.gross).toBe(
      2000 + 5000 + 1000 + 9999,
    );

    const csv = await callRoute(creatorCsvLoader, getRequest("/creator/dashboard.csv?range=30d", { cookie }));
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "order,paid_at,product,buyer_email,currency,gross,platform_fee,refunded,platform_fee_refunded,net,status",
    );
    const rows = lines.slice(1).map((line) => line.split(","));
    const sum = (currency: string, column: number) =>
      rows.filter((r) => r[4] === currency).reduce((s, r) => s + Math.round(Number(r[column]) * 100), 0);
    expect(sum("USD", 5)).toBe(usd.current.gross);
    expect(sum("USD", 9)).toBe(usd.current.net);
    expect(sum("EUR", 5)).toBe(eur.current.gross);
  });

  it("answers 400 with the field's message for an invalid custom range, and still renders the last 30 days", async () => {
    const { user } = await onboardedCreator(stripeEnv.url);
    const cookie = await sessionCookie(user.id);
    const response = await callRoute(
      creatorLoader,
      getRequest("/creator/dashboard?range=custom&from=2026-05-10&to=2026-05-01", { cookie }),
    );
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.rangeErrors.to).toBe("The end date must be on or after the start date");
    expect(body.dashboard.range.days).toBe(30);
    const csv = await callRoute(
      creatorCsvLoader,
      getRequest("/creator/dashboard.csv?range=custom&from=x&to=y", { cookie }),
    );
    expect(csv.status).toBe(400);
  });

  it("renders the figures with a friendly note when Stripe can't be reached", async () => {
    const { user, creator } = await onboardedCreator(stripeEnv.url);
    await sale({ creatorId: creator.id, amount: 1234, currency: "usd", paidAt: daysAgo(0) });
    await db().creatorAccount.update({ where: { id: creator.id }, data: { stripeAccountId: "acct_does_not_exist" } });
    const body = await json(
      await callRoute(creatorLoader, getRequest("/creator/dashboard", { cookie: await sessionCookie(user.id) })),
    );
    expect(body.stripe.status).toBe("unavailable");
    expect(body.dashboard.currencies[0].current.gross).toBe(1234);
  });

  it("counts a membership's paid invoice in the sales figures and its member in the Memberships row, on both dashboards", async () => {
    const { user, creator } = await onboardedCreator(stripeEnv.url);
    const product = await db().product.create({
      data: {
        creatorId: creator.id,
        kind: "MEMBERSHIP",
        title: "Studio club",
        slug: `studio-club-${creator.id}`,
        published: true,
        publishedAt: new Date(),
        prices: { create: { amount: 12_000, currency: "chf", interval: "YEAR" } },
      },
      include: { prices: true },
    });
    const { user: buyer } = await createUser();
    const membership = await db().membership.create({
      data: {
        buyerId: buyer.id,
        creatorId: creator.id,
        productId: product.id,
        priceId: product.prices[0]!.id,
        stripeSubscriptionId: `sub_dashboard_${creator.id}`,
        stripeCustomerId: `cus_dashboard_${buyer.id}`,
        status: "ACTIVE",
        amount: 12_000,
        currency: "chf",
        interval: "YEAR",
        applicationFeePercent: "10",
      },
    });
    await transaction(async (tx) => {
      const order = await tx.order.create({
        data: {
          buyerId: buyer.id,
          creatorId: creator.id,
          buyerEmail: buyer.email,
          currency: "chf",
          totalAmount: 12_000,
          applicationFeeAmount: 1200,
          creatorAmount: 10_800,
          paidAt: daysAgo(1),
          membershipId: membership.id,
          billingReason: "subscription_create",
          items: {
            create: {
              productId: product.id,
              priceId: product.prices[0]!.id,
              productTitle: product.title,
              unitAmount: 12_000,
              amount: 12_000,
              currency: "chf",
              applicationFeeAmount: 1200,
              feeBps: 1000,
            },
          },
        },
      });
      await rollupSale(tx, order);
    });

    const body = await json(
      await callRoute(
        creatorLoader,
        getRequest("/creator/dashboard?range=7d", { cookie: await sessionCookie(user.id) }),
      ),
    );
    expect(body.dashboard.currencies.find((c: { currency: string }) => c.currency === "chf").current.gross).toBe(
      12_000,
    );
    expect(body.dashboard.memberships).toMatchObject({ hasMemberships: true, hasMembershipProduct: true });
    expect(body.dashboard.memberships.currencies).toEqual([
      expect.objectContaining({ currency: "chf", mrr: 1000, activeMembers: 1, trialing: 0 }),
    ]);

    const { user: staff } = await createUser({ role: "STAFF" });
    const platform = await json(
      await callRoute(staffLoader, getRequest("/staff/dashboard?range=7d", { cookie: await sessionCookie(staff.id) })),
    );
    expect(
      platform.dashboard.memberships.currencies.find((c: { currency: string }) => c.currency === "chf"),
    ).toMatchObject({
      mrr: 1000,
      platformFeeMrr: 100,
      activeMembers: 1,
    });
  });

  it("is for creators only", async () => {
    const { user } = await createUser();
    const response = await callRoute(
      creatorLoader,
      getRequest("/creator/dashboard", { cookie: await sessionCookie(user.id) }),
    );
    expect(response.status).toBe(403);
  });
});

describe("platform dashboard", () => {
  it("totals every creator per currency, counts active creators and new buyers, sorts and pages the creators table, and the CSV agrees", async () => {
    const { user: staff } = await createUser({ role: "STAFF" });
    const cookie = await sessionCookie(staff.id);
    const before = await json(await callRoute(staffLoader, getRequest("/staff/dashboard?range=7d", { cookie })));
    const gmvBefore = (c: string) =>
      before.dashboard.currencies.find((x: { currency: string }) => x.currency === c)?.current.gross ?? 0;

    const creators: { id: string }[] = [];
    for (let i = 0; i < 3; i++) creators.push((await onboardedCreator(stripeEnv.url)).creator);
    await sale({
      creatorId: creators[0]!.id,
      amount: 3000,
      currency: "usd",
      paidAt: daysAgo(1),
      fee: 300,
      stripeFee: 117,
    });
    await sale({
      creatorId: creators[1]!.id,
      amount: 10000,
      currency: "usd",
      paidAt: daysAgo(2),
      fee: 500,
      stripeFee: 320,
    });
    await sale({
      creatorId: creators[2]!.id,
      amount: 2500,
      currency: "eur",
      paidAt: daysAgo(0),
      fee: 250,
      stripeFee: 100,
    });

    const response = await callRoute(
      staffLoader,
      getRequest("/staff/dashboard?range=7d&sort=rate&dir=desc", { cookie }),
    );
    expect(response.status).toBe(200);
    const body = await json(response);
    const usd = body.dashboard.currencies.find((c: { currency: string }) => c.currency === "usd");
    expect(usd.current.gross - gmvBefore("usd")).toBe(13000);
    expect(
      body.dashboard.currencies.find((c: { currency: string }) => c.currency === "eur").current.gross -
        gmvBefore("eur"),
    ).toBe(2500);
    expect(body.dashboard.activeCreators - before.dashboard.activeCreators).toBe(3);
    expect(body.dashboard.newBuyers - before.dashboard.newBuyers).toBe(3);
    const table = body.dashboard.creators;
    expect(table.currency).toBe("usd");
    const ours = table.rows.filter((r: { creatorId: string }) => creators.some((c) => c.id === r.creatorId));
    expect(ours.map((r: { rateBps: number }) => r.rateBps)).toEqual([1000, 500]);

    const eurTable = await json(
      await callRoute(staffLoader, getRequest("/staff/dashboard?range=7d&currency=eur&sort=name&dir=asc", { cookie })),
    );
    expect(eurTable.dashboard.creators.rows.map((r: { creatorId: string }) => r.creatorId)).toContain(creators[2]!.id);
    expect(eurTable.dashboard.creators.rows.every((r: { gross: number }) => r.gross > 0)).toBe(true);

    const csv = await callRoute(staffCsvLoader, getRequest("/staff/dashboard.csv?range=7d", { cookie }));
    const rows = (await csv.text())
      .trim()
      .split("\r\n")
      .slice(1)
      .map((line) => line.split(","));
    const sum = (currency: string) =>
      rows.filter((r) => r[3] === currency).reduce((s, r) => s + Math.round(Number(r[5]) * 100), 0);
    expect(sum("USD")).toBe(usd.current.gross);
    expect(sum("EUR")).toBe(
      body.dashboard.currencies.find((c: { currency: string }) => c.currency === "eur").current.gross,
    );
  });

  it("pages the creators table", async () => {
    const { user: staff } = await createUser({ role: "STAFF" });
    for (let i = 0; i < 21; i++) {
      const { creator } = await onboardedCreator(stripeEnv.url);
      await sale({ creatorId: creator.id, amount: 1000 + i, currency: "gbp", paidAt: daysAgo(1) });
    }
    const cookie = await sessionCookie(staff.id);
    const page1 = await json(
      await callRoute(staffLoader, getRequest("/staff/dashboard?currency=gbp&sort=gross&dir=asc", { cookie })),
    );
    const page2 = await json(
      await callRoute(staffLoader, getRequest("/staff/dashboard?currency=gbp&sort=gross&dir=asc&page=2", { cookie })),
    );
    expect(page1.dashboard.creators.total).toBe(21);
    expect(page1.dashboard.creators.pageCount).toBe(2);
    expect(page1.dashboard.creators.rows[0].gross).toBe(1000);
    expect(page2.dashboard.creators.rows.map((r: { gross: number }) => r.gross)).toEqual([1020]);
  });

  it("is for staff only", async () => {
    const { user } = await onboardedCreator(stripeEnv.url);
    const cookie = await sessionCookie(user.id);
    expect((await callRoute(staffLoader, getRequest("/staff/dashboard", { cookie }))).status).toBe(403);
    expect((await callRoute(staffCsvLoader, getRequest("/staff/dashboard.csv", { cookie }))).status).toBe(403);
  });
});
