// The daily rollups against a from-scratch recomputation, after a random (fixed-seed) sequence of purchases, refunds
// (including ones Stripe refuses) and disputes won and lost, in usd and eur, through the real stack: checkout on the
// emulator, signed webhooks into the app, refundOrder, dispute webhooks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditActor } from "#app/domain/audit.server.ts";
import { creatorDashboard } from "#app/domain/creator-revenue.server.ts";
import { presetRange } from "#app/domain/day-range.ts";
import { platformDashboard } from "#app/domain/platform-revenue.server.ts";
import { DomainError } from "#app/domain/errors.ts";
import { refundOrder } from "#app/domain/refunds.server.ts";
import { rebuildRollups, ROLLUP_COLUMNS, utcDay, verifyRollups } from "#app/domain/revenue.server.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { buyThroughCheckout, onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { createUser } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";
import { naiveCreatorDashboard, naivePlatformDashboard } from "#scripts/lib/naive-dashboards.ts";

let stripeEnv: TestStripe;
let staff: AuditActor;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
  const { user } = await createUser({ role: "STAFF" });
  staff = { type: "USER", id: user.id };
});
afterAll(async () => stripeEnv?.stop());

/** A tiny seeded PRNG (mulberry32), so a failure replays exactly. */
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMERIC = ROLLUP_COLUMNS;

/** The stored rollups as comparable lines, rows of zeros left out (a refused refund leaves one behind). */
async function snapshot() {
  const daily = await db().dailyRevenue.findMany({
    orderBy: [{ day: "asc" }, { creatorId: "asc" }, { currency: "asc" }],
  });
  const platform = await db().platformDailyRevenue.findMany({ orderBy: [{ day: "asc" }, { currency: "asc" }] });
  return {
    daily: daily
      .filter((r) => NUMERIC.some((c) => r[c] !== 0))
      .map((r) => [r.day.toISOString().slice(0, 10), r.creatorId, r.currency, ...NUMERIC.map((c) => r[c])].join(" ")),
    platform: platform
      .filter((r) => NUMERIC.some((c) => r[c] !== 0) || r.newBuyerCount !== 0)
      .map((r) =>
        [r.day.toISOString().slice(0, 10), r.currency, ...NUMERIC.map((c) => r[c]), r.newBuyerCount].join(" "),
      ),
  };
}

let keys = 0;

describe("revenue rollups", () => {
  it("equal a from-scratch recomputation after 40 random purchases, refunds and disputes in usd and eur (seed 20261122)", async () => {
    const random = mulberry32(20261122);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
    const creators = await Promise.all([0, 1, 2].map(() => onboardedCreator(stripeEnv.url)));
    const products: { id: string; currency: string }[] = [];
    for (const { creator } of creators)
      for (const [amount, currency] of [
        [1999, "usd"],
        [4500, "usd"],
        [1250, "eur"],
        [3333, "eur"],
      ] as const)
        products.push({ id: (await publishedProduct(creator.id, { amount, currency })).id, currency });
    const buyers: { id: string; email: string }[] = [];
    for (let i = 0; i < 4; i++) buyers.push((await createUser()).user);
    const owned = new Set<string>();
    const counts = { buy: 0, refund: 0, refused: 0, dispute: 0, won: 0, lost: 0 };

    async function buy() {
      const product = pick(products);
      let buyer = pick(buyers);
      if (owned.has(`${buyer.id}:${product.id}`)) {
        buyer = (await createUser()).user;
        buyers.push(buyer);
      }
      await buyThroughCheckout(stripeEnv, buyer, product.id);
      owned.add(`${buyer.id}:${product.id}`);
      counts.buy++;
    }

    for (let step = 0; step < 40; step++) {
      const roll = random();
      const orders = await db().order.findMany({ include: { disputes: true }, orderBy: { number: "asc" } });
      const refundable = orders.filter((o) => o.refundedAmount < o.totalAmount && o.disputes.length === 0);
      const undisputed = orders.filter((o) => o.disputes.length === 0);
      const open = orders.flatMap((o) => o.disputes).filter((d) => d.outcome === "OPEN");
      if (roll < 0.45 || orders.length < 3) {
        await buy();
      } else if (roll < 0.7 && refundable.length) {
        const order = pick(refundable);
        const remainder = order.totalAmount - order.refundedAmount;
        const amount = random() < 0.4 ? remainder : 1 + Math.floor(random() * remainder);
        const refuse = random() < 0.2;
        if (refuse)
          await controls.injectFault(stripeEnv.url, { path: "/v1/refunds", method: "POST", count: 1, status: 400 });
        const attempt = refundOrder({
          orderId: order.id,
          amount,
          reason: "requested_by_customer",
          reverseTransfer: random() < 0.7,
          refundApplicationFee: random() < 0.5,
          balancePolicy: "reverse_anyway",
          requestKey: `revenue-test-${++keys}`,
          actor: staff,
        });
        if (refuse) {
          await expect(attempt).rejects.toBeInstanceOf(DomainError);
          counts.refused++;
        } else {
          await attempt;
          counts.refund++;
        }
        await stripeEnv.settle();
      } else if (roll < 0.85 && undisputed.length) {
        await controls.openDispute(stripeEnv.url, pick(undisputed).stripeChargeId!);
        await stripeEnv.settle();
        counts.dispute++;
      } else if (open.length) {
        const outcome = random() < 0.5 ? "won" : "lost";
        await controls.closeDispute(stripeEnv.url, pick(open).stripeDisputeId, outcome);
        await stripeEnv.settle();
        counts[outcome]++;
      } else {
        await buy();
      }
      if (step % 10 === 9) expect(await transaction((tx) => verifyRollups(tx)), `after step ${step}`).toEqual([]);
    }

    // The sequence exercised every kind of event.
    expect(counts.buy).toBeGreaterThanOrEqual(10);
    expect(counts.refund).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
    expect(counts.dispute).toBeGreaterThan(0);
    expect(counts.won + counts.lost).toBeGreaterThan(0);
    const failed = await db().refund.count({ where: { status: "FAILED" } });
    expect(failed).toBe(counts.refused);
    const currencies = new Set((await db().order.findMany({ select: { currency: true } })).map((o) => o.currency));
    expect([...currencies].sort()).toEqual(["eur", "usd"]);

    // What the helpers maintained equals what a rebuild computes from scratch.
    expect(await transaction((tx) => verifyRollups(tx))).toEqual([]);
    const maintained = await snapshot();
    expect(maintained.daily.length).toBeGreaterThan(0);
    await transaction((tx) => rebuildRollups(tx));
    expect(await snapshot()).toEqual(maintained);

    // And the dashboards read the same figures the raw rows give.
    const range = presetRange("30d", utcDay(new Date()));
    for (const { creator } of creators) {
      const fast = await creatorDashboard({ creatorId: creator.id, range });
      const slow = await naiveCreatorDashboard({ creatorId: creator.id, range });
      expect(fast.currencies).toEqual(slow.currencies);
    }
    const platform = await platformDashboard({ range });
    const naive = await naivePlatformDashboard({ range });
    expect(platform.currencies.map(({ newBuyers: _n, previousNewBuyers: _p, ...rest }) => rest)).toEqual(
      naive.currencies,
    );
    expect(platform.newBuyers).toBe(naive.newBuyers);
    expect(platform.newBuyers).toBe(
      new Set((await db().order.findMany({ select: { buyerId: true } })).map((o) => o.buyerId)).size,
    );
    expect(platform.activeCreators).toBe(3);
  });

  it("verify reports a tampered row and rebuild repairs it", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    await transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO "daily_revenue" ("day", "creatorId", "currency", "grossAmount") VALUES ('2026-01-05', ${creator.id}, 'usd', 777)`;
    });
    const differences = await transaction((tx) => verifyRollups(tx));
    expect(differences).toContainEqual({
      table: "daily_revenue",
      day: "2026-01-05",
      creatorId: creator.id,
      currency: "usd",
      column: "grossAmount",
      stored: 777,
      expected: 0,
    });
    // The platform row followed the tampered row through its trigger, so it agrees with daily_revenue…
    expect(differences.filter((d) => d.table === "platform_daily_revenue")).toEqual([]);
    await transaction((tx) => rebuildRollups(tx));
    expect(await transaction((tx) => verifyRollups(tx))).toEqual([]);
    // …and the rebuild removed both.
    expect(await db().platformDailyRevenue.count({ where: { day: new Date("2026-01-05T00:00:00Z") } })).toBe(0);
  });
});
