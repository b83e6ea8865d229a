// `npm run bench:dashboard -- --orders 1000000`: seeds a database with N orders over two years for 1,000 creators
// (refunds, disputes, four currencies), rebuilds the rollups, then times the creator and platform dashboard functions
// (the ones the loaders call) against a naive baseline that aggregates orders, refunds and disputes on every call.
// Without DATABASE_URL it runs its own throw-away embedded PostgreSQL (temp data dir, own port), stopped at the end.
// With DATABASE_URL it seeds that database, which must be migrated and empty of orders.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { applyMigrations } from "./lib/migrate.ts";
import { ensureDatabase, startEmbeddedPostgres } from "./lib/embedded-postgres.ts";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "100000" },
    creators: { type: "string", default: "1000" },
    iterations: { type: "string", default: "30" },
    "naive-iterations": { type: "string", default: "5" },
    range: { type: "string", default: "30d" },
  },
});
const ORDERS = Number(values.orders);
const CREATORS = Number(values.creators);
const ITERATIONS = Number(values.iterations);
const NAIVE_ITERATIONS = Number(values["naive-iterations"]);
const PRESET = values.range as "7d" | "30d" | "90d" | "12m" | "all";
if (!Number.isSafeInteger(ORDERS) || ORDERS < 1000 || !Number.isSafeInteger(CREATORS) || CREATORS < 10) {
  console.error("Usage: npm run bench:dashboard -- --orders 1000000 [--creators 1000] [--iterations 30] [--range 30d]");
  process.exit(2);
}
if (!["7d", "30d", "90d", "12m", "all"].includes(PRESET)) {
  console.error("--range must be one of 7d, 30d, 90d, 12m, all");
  process.exit(2);
}

const log = (line: string) => console.log(`[bench] ${line}`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

let stopServer = async () => {};
let url = process.env.DATABASE_URL;
if (!url) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-dashboard-pg-"));
  fs.chmodSync(dataDir, 0o755); // run as root, PostgreSQL runs as the `postgres` user and must reach its data dir
  log(`Starting a throw-away PostgreSQL in ${dataDir}…`);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, "data"),
    port: 5499,
    persistent: false,
    fast: true,
  });
  await ensureDatabase(server.adminUrl, "bench");
  url = server.urlFor("bench");
  stopServer = async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  process.on("SIGINT", () => void stopServer().finally(() => process.exit(130)));
}
process.env.DATABASE_URL = url;

let exitCode = 0;
const client = new pg.Client({ connectionString: url });
try {
  await applyMigrations(url, log);
  await client.connect();
  await seed(client);
  const { db, transaction } = await import("../app/utils/db.server.ts");
  const { rebuildRollups } = await import("../app/domain/revenue.server.ts");
  let started = performance.now();
  log("Rebuilding the rollups from orders, refunds and disputes (npm run rollups:rebuild does the same)…");
  const rebuilt = await transaction((tx) => rebuildRollups(tx), { timeoutMs: 60 * 60_000, attempts: 1 });
  log(
    `Rollups rebuilt: ${rebuilt.dailyRows} creator-day rows, ${rebuilt.platformRows} platform-day rows (${seconds(started)}).`,
  );
  started = performance.now();
  await client.query("ANALYZE");
  log(`ANALYZE done (${seconds(started)}).`);
  await measure(client);
  await db().$disconnect();
} catch (error) {
  console.error(`[bench] ${(error as Error).stack ?? error}`);
  exitCode = 1;
} finally {
  await client.end().catch(() => {});
  await stopServer();
}
process.exit(exitCode);

async function seed(c: pg.Client) {
  const [{ count }] = (await c.query(`SELECT COUNT(*)::int AS count FROM "orders"`)).rows as { count: number }[];
  if (count > 0) throw new Error(`The database already has ${count} orders; the bench needs an empty one.`);
  const buyers = Math.max(1000, Math.round(ORDERS / 5));
  const started = performance.now();
  // The seeding session skips the platform new-buyer trigger; the rebuild afterwards computes everything.
  await c.query(`SELECT set_config('app.rollup_rebuild', 'on', false)`);
  log(`Seeding ${CREATORS} creators with 5 products each and ${buyers} buyers…`);
  await c.query(`
    INSERT INTO "users" ("id", "email", "name", "passwordHash", "role", "updatedAt")
    SELECT 'cu' || g, 'creator' || g || '@bench.test', 'Creator ' || g, 'x', 'CREATOR', now() FROM generate_series(1, ${CREATORS}) g`);
  await c.query(`
    INSERT INTO "creator_accounts" ("id", "userId", "displayName", "slug", "defaultCurrency", "onboardingStatus", "chargesEnabled", "payoutsEnabled", "updatedAt")
    SELECT 'c' || g, 'cu' || g, 'Studio ' || g, 'studio-' || g,
      CASE WHEN g % 10 < 6 THEN 'usd' WHEN g % 10 < 8 THEN 'eur' WHEN g % 10 < 9 THEN 'gbp' ELSE 'jpy' END,
      CASE WHEN g % 50 = 0 THEN 'RESTRICTED'::"OnboardingStatus" ELSE 'ACTIVE'::"OnboardingStatus" END, g % 50 <> 0, g % 50 <> 0, now()
    FROM generate_series(1, ${CREATORS}) g`);
  await c.query(`
    INSERT INTO "products" ("id", "creatorId", "title", "slug", "published", "updatedAt")
    SELECT 'p' || g || '_' || k, 'c' || g, 'Product ' || k || ' by Studio ' || g, 'product-' || g || '-' || k, true, now()
    FROM generate_series(1, ${CREATORS}) g, generate_series(0, 4) k`);
  await c.query(`
    INSERT INTO "prices" ("id", "productId", "amount", "currency")
    SELECT 'pr' || g || '_' || k, 'p' || g || '_' || k,
      CASE WHEN g % 10 = 9 THEN 500 + k * 700 ELSE 500 + k * 1250 END,
      CASE WHEN g % 10 < 6 THEN 'usd' WHEN g % 10 < 8 THEN 'eur' WHEN g % 10 < 9 THEN 'gbp' ELSE 'jpy' END
    FROM generate_series(1, ${CREATORS}) g, generate_series(0, 4) k`);
  await c.query(`
    INSERT INTO "users" ("id", "email", "name", "passwordHash", "role", "updatedAt")
    SELECT 'b' || g, 'buyer' || g || '@bench.test', 'Buyer ' || g, 'x', 'BUYER', now() FROM generate_series(1, ${buyers}) g`);
  log(`  done (${seconds(started)}).`);

  // Orders: paid uniformly over the last 730 days; creators skewed (a few sell a lot); 10% of a usd creator's sales
  // are in eur. One item each. Batches of 100,000 so progress shows.
  const batch = 100_000;
  for (let offset = 0; offset < ORDERS; offset += batch) {
    const n = Math.min(batch, ORDERS - offset);
    const t = performance.now();
    await c.query("BEGIN");
    await c.query(`
      CREATE TEMP TABLE seed_orders ON COMMIT DROP AS
      SELECT g AS n, s.creator, s.k, s.paid_at, s.buyer,
        CASE WHEN s.creator % 10 = 9 THEN 'jpy' WHEN s.creator % 10 < 6 AND g % 10 = 0 THEN 'eur'
             WHEN s.creator % 10 < 6 THEN 'usd' WHEN s.creator % 10 < 8 THEN 'eur' ELSE 'gbp' END AS currency,
        CASE WHEN s.creator % 10 = 9 THEN 500 + s.k * 700 ELSE 500 + s.k * 1250 END AS total
      FROM generate_series(${offset + 1}, ${offset + n}) g,
        LATERAL (SELECT 1 + floor(${CREATORS} * power(random(), 2))::int AS creator, floor(random() * 5)::int AS k,
          date_trunc('milliseconds', now() - random() * interval '730 days') AS paid_at,
          1 + floor(random() * ${buyers})::int AS buyer, g AS anchor) s`);
    await c.query(`
      INSERT INTO "orders" ("id", "buyerId", "creatorId", "status", "buyerEmail", "currency", "totalAmount", "applicationFeeAmount",
        "creatorAmount", "stripeFeeAmount", "paidAt", "createdAt", "updatedAt")
      SELECT 'o' || n, 'b' || buyer, 'c' || creator, 'PAID', 'buyer' || buyer || '@bench.test', currency, total,
        round(total * 0.1)::int, total - round(total * 0.1)::int,
        CASE WHEN currency = 'jpy' THEN round(total * 0.036)::int ELSE round(total * 0.029)::int + 30 END,
        paid_at, paid_at, paid_at
      FROM seed_orders`);
    await c.query(`
      INSERT INTO "order_items" ("id", "orderId", "productId", "priceId", "productTitle", "unitAmount", "amount", "currency",
        "applicationFeeAmount", "feeBps")
      SELECT 'oi' || n, 'o' || n, 'p' || creator || '_' || k, 'pr' || creator || '_' || k, 'Product ' || k || ' by Studio ' || creator,
        total, total, currency, round(total * 0.1)::int, 1000
      FROM seed_orders`);
    await c.query("COMMIT");
    const done = offset + n;
    log(
      `  orders ${done.toLocaleString("en-US")} / ${ORDERS.toLocaleString("en-US")} (${Math.round((done / ORDERS) * 100)}%, batch ${seconds(t)}, total ${seconds(started)})`,
    );
  }

  let t = performance.now();
  // Refunds on 3% of orders (a third partial, 5% of them failed), a few days after the sale, never in the future.
  await c.query(`
    INSERT INTO "refunds" ("id", "orderId", "amount", "currency", "reason", "status", "reverseTransfer", "refundApplicationFee",
      "transferReversalAmount", "applicationFeeRefundAmount", "createdAt", "updatedAt")
    SELECT 'r' || o."id", o."id", a.amount, o."currency", 'requested_by_customer',
      CASE WHEN hashtext(o."id") % 20 = 0 THEN 'FAILED'::"RefundStatus" ELSE 'SUCCEEDED'::"RefundStatus" END, true, true,
      a.amount, round(a.amount::numeric * o."applicationFeeAmount" / o."totalAmount")::int, a.at, a.at
    FROM "orders" o,
      LATERAL (SELECT CASE WHEN hashtext(o."id") % 3 = 0 THEN o."totalAmount" / 2 ELSE o."totalAmount" END AS amount,
        LEAST(o."paidAt" + (abs(hashtext(o."id")) % 14) * interval '1 day', now()) AS at) a
    WHERE abs(hashtext(o."id" || 'refund')) % 100 < 3`);
  await c.query(`
    UPDATE "orders" o SET "refundedAmount" = r."amount", "applicationFeeRefunded" = r."applicationFeeRefundAmount",
      "transferReversedAmount" = r."amount",
      "status" = CASE WHEN r."amount" = o."totalAmount" THEN 'REFUNDED'::"OrderStatus" ELSE 'PARTIALLY_REFUNDED'::"OrderStatus" END
    FROM "refunds" r WHERE r."orderId" = o."id" AND r."status" = 'SUCCEEDED'`);
  // Disputes on 0.3% of the other orders: a third lost, a third won, a third open.
  await c.query(`
    INSERT INTO "disputes" ("id", "orderId", "stripeDisputeId", "stripeChargeId", "amount", "currency", "reason", "stripeStatus",
      "outcome", "closedAt", "createdAt", "updatedAt")
    SELECT 'd' || o."id", o."id", 'dp_' || o."id", 'ch_' || o."id", o."totalAmount", o."currency", 'fraudulent',
      CASE abs(hashtext(o."id")) % 3 WHEN 0 THEN 'lost' WHEN 1 THEN 'won' ELSE 'needs_response' END,
      CASE abs(hashtext(o."id")) % 3 WHEN 0 THEN 'LOST'::"DisputeOutcome" WHEN 1 THEN 'WON'::"DisputeOutcome" ELSE 'OPEN'::"DisputeOutcome" END,
      CASE WHEN abs(hashtext(o."id")) % 3 < 2 THEN LEAST(o."paidAt" + interval '12 days', now()) END,
      LEAST(o."paidAt" + interval '2 days', now()), now()
    FROM "orders" o
    WHERE abs(hashtext(o."id" || 'dispute')) % 1000 < 3 AND o."refundedAmount" = 0`);
  const [counts] = (
    await c.query(
      `SELECT (SELECT COUNT(*) FROM "refunds")::int AS refunds, (SELECT COUNT(*) FROM "disputes")::int AS disputes`,
    )
  ).rows as { refunds: number; disputes: number }[];
  log(`  ${counts!.refunds} refunds and ${counts!.disputes} disputes (${seconds(t)}).`);
  await c.query(`SELECT set_config('app.rollup_rebuild', 'off', false)`);
  t = performance.now();
  await c.query("VACUUM ANALYZE");
  log(`Seeded in ${seconds(started)} (VACUUM ANALYZE ${seconds(t)}).`);
}

function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

async function time(label: string, iterations: number, warmup: number, run: (i: number) => Promise<unknown>) {
  for (let i = 0; i < warmup; i++) await run(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await run(i + warmup);
    samples.push(performance.now() - t);
    if (process.stdout.isTTY) process.stdout.write(`\r[bench] ${label}: ${i + 1}/${iterations}`);
  }
  if (process.stdout.isTTY) process.stdout.write("\n");
  log(`${label}: ${iterations} runs done`);
  samples.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)), max: round(samples.at(-1)!) };
}

async function measure(c: pg.Client) {
  const { creatorDashboard } = await import("../app/domain/creator-revenue.server.ts");
  const { presetRange } = await import("../app/domain/day-range.ts");
  const { CREATOR_SORTS, platformDashboard } = await import("../app/domain/platform-revenue.server.ts");
  const { utcDay } = await import("../app/domain/revenue.server.ts");
  const { naiveCreatorDashboard, naivePlatformDashboard } = await import("./lib/naive-dashboards.ts");
  const range = presetRange(PRESET, utcDay(new Date()));
  // Creators of every size: the sample walks the ranking from the busiest to the quietest.
  const ranked = (
    await c.query(`SELECT "creatorId" AS id FROM "daily_revenue" GROUP BY 1 ORDER BY SUM("orderCount") DESC`)
  ).rows as { id: string }[];
  const sample = Array.from({ length: 40 }, (_, i) => ranked[Math.floor((i * ranked.length) / 40)]!.id);
  const creator = (i: number) => sample[i % sample.length]!;
  const busiest = ranked[0]!.id;
  const sorts = CREATOR_SORTS;

  log(
    `Timing the dashboard functions over ${PRESET} (${ITERATIONS} runs each after warm-up; naive ${NAIVE_ITERATIONS} runs)…`,
  );
  const creatorTimes = await time("creatorDashboard", ITERATIONS, 5, (i) =>
    creatorDashboard({ creatorId: creator(i), range }),
  );
  const platformTimes = await time("platformDashboard", ITERATIONS, 3, (i) =>
    platformDashboard({ range, sort: sorts[i % sorts.length], page: 1 + (i % 3) }),
  );
  const creatorBusiest = await time("creatorDashboard (busiest creator)", ITERATIONS, 2, () =>
    creatorDashboard({ creatorId: busiest, range }),
  );
  const naiveCreator = await time("naive creator", NAIVE_ITERATIONS, 1, (i) =>
    naiveCreatorDashboard({ creatorId: creator(i), range }),
  );
  const naivePlatform = await time("naive platform", NAIVE_ITERATIONS, 1, (i) =>
    naivePlatformDashboard({ range, sort: sorts[i % sorts.length] }),
  );

  // The two paths must agree, or the comparison means nothing.
  const [fast, slow] = await Promise.all([platformDashboard({ range }), naivePlatformDashboard({ range })]);
  const gmv = (list: { currency: string; current: { gross: number; net: number } }[]) =>
    JSON.stringify(list.map((x) => [x.currency, x.current.gross, x.current.net]).sort());
  if (
    gmv(fast.currencies) !== gmv(slow.currencies) ||
    fast.newBuyers !== slow.newBuyers ||
    fast.activeCreators !== slow.activeCreators
  )
    throw new Error(`Rollup and naive platform figures differ:\n${gmv(fast.currencies)}\n${gmv(slow.currencies)}`);

  const ratioCreator = Math.round((naiveCreator.p50 / creatorTimes.p50) * 10) / 10;
  const ratioPlatform = Math.round((naivePlatform.p50 / platformTimes.p50) * 10) / 10;
  const rows = [
    ["creatorDashboard (40 creators, all sizes)", creatorTimes, "< 20 ms"],
    ["creatorDashboard (busiest creator)", creatorBusiest, "< 20 ms"],
    ["platformDashboard (sorts, pages 1-3)", platformTimes, "< 50 ms"],
    ["naive creator (aggregates orders)", naiveCreator, ""],
    ["naive platform (aggregates orders)", naivePlatform, ""],
  ] as const;
  console.log("");
  console.log(
    `Dashboards at ${ORDERS.toLocaleString("en-US")} orders, ${CREATORS} creators, range ${PRESET} (${range.from?.toISOString().slice(0, 10) ?? "first day"} to ${range.to.toISOString().slice(0, 10)})`,
  );
  console.log(`${"".padEnd(44)}${"p50 ms".padStart(10)}${"p95 ms".padStart(10)}${"max ms".padStart(10)}   goal`);
  for (const [label, t, goal] of rows)
    console.log(
      `${label.padEnd(44)}${t.p50.toFixed(2).padStart(10)}${t.p95.toFixed(2).padStart(10)}${t.max.toFixed(2).padStart(10)}   ${goal}`,
    );
  console.log(
    `${"speed-up, creator (naive p50 / p50)".padEnd(44)}${`${ratioCreator}x`.padStart(10)}${"".padStart(20)}   >= 100x`,
  );
  console.log(
    `${"speed-up, platform (naive p50 / p50)".padEnd(44)}${`${ratioPlatform}x`.padStart(10)}${"".padStart(20)}   >= 100x`,
  );
  console.log("");
  console.log(
    JSON.stringify({
      orders: ORDERS,
      creator: { p50_ms: creatorTimes.p50, p95_ms: creatorTimes.p95 },
      platform: { p50_ms: platformTimes.p50, p95_ms: platformTimes.p95 },
      naive: { creator_p50_ms: naiveCreator.p50, platform_p50_ms: naivePlatform.p50 },
      ratio_creator: ratioCreator,
      ratio_platform: ratioPlatform,
    }),
  );
}
