// `npm run bench:chaos`: the burst experiment of issue 14 — webhook ingestion loses nothing, doubles nothing and leaves
// nothing stuck, also when PostgreSQL or the app is killed in the middle of a burst.
// Each run starts from scratch: a throw-away embedded PostgreSQL (temp data dir, own port, durable settings: a
// SIGKILL must not undo a commit), the migrations, the Stripe emulator in this process and the built app as a child
// process (scripts/start.ts --no-build, as `npm start` runs it, default JOB_CONCURRENCY), which seeds the demo shop and
// connects its creator. build/ is used as it is (built only when missing). The app's scheduled reconciliation is
// switched off (its pg-boss schedule deleted, again after each start): it lists events from Stripe and would fill in
// what ingestion lost, hiding the loss this measures.
// Then: one purchase with the emulator's webhooks on (the order a staff member refunds later), the emulator's delivery
// switched off, purchases by many buyers (POST /checkout, paid with the emulator's control) until they made enough
// real events (7 per purchase), and those events, listed from the emulator, delivered by this script instead:
// --deliveries in all at --rate per second, a --dup share of them exact duplicates (same bytes and signature) of an
// earlier delivery, signed with the emulator's webhook secret. A delivery the app does not acknowledge with a 2xx
// (connection refused or reset, a 5xx while PostgreSQL is down, a timeout) is sent again, re-signed, with back-off
// (250 ms doubling to 4 s) until it is, as Stripe would. During the burst, with the emulator's webhooks pointed at the
// app again: one staff refund through POST /staff/orders/:id/refund and one purchase through POST /checkout (each
// tried again while the app cannot answer). Run "plain" does only that; "postgres-killed" SIGKILLs the PostgreSQL
// postmaster at --kill-at of the burst and restarts it on the same data dir and port --down seconds later — the app
// must live through it (if it dies, the run has failed, and the app is started again as a supervisor would so the
// rest is still measured); "app-killed" SIGKILLs the app there and starts it again on the same port.
// After the burst, with no further redelivery by this script (the emulator still retries its own), it waits up to
// --settle-timeout seconds (default 240: an attempt cut off by a kill is retried after STRIPE_EVENT_TIMEOUT_SECONDS,
// 120, plus up to JOB_MAINTENANCE_SECONDS, 60) until no stored event is left with processedAt and deadAt both null,
// then checks the books (scripts/lib/invariants.ts: the invariants of tests/helpers/invariants.ts, without vitest).
// Prints progress on stderr ([chaos] …) and one JSON line per run on stdout:
// {"run","sent","acknowledged","retried","lost","doubled","stuck","dead","violations","app_survived","settle_s"} —
// sent: deliveries by this script; acknowledged: those answered 2xx in the end; retried: those that needed more than
// one attempt; lost: events acknowledged (by this script's or the emulator's deliveries) but not in stripe_events;
// doubled: orders or refunds recorded twice (per Checkout Session, per Stripe refund, or more than Stripe has), an
// order.paid audit row twice, or an event whose delivery count exceeds the attempts made; stuck: stored events
// neither processed nor dead (nor dismissed) after settling; dead: dead-lettered events; violations: failed
// invariants, plus a staff refund or purchase during the burst that did not go through; app_survived: the app
// process (the restarted one in "app-killed") is alive and /healthz answers 200; settle_s: from the end of the burst
// until nothing was left to process (or the timeout). On a failed run the app's output is kept in
// $TMPDIR/bench-chaos-<run>-app.log. Exits 1 unless lost, doubled, stuck and violations are 0 and the app survived,
// in every run. Everything it started is stopped and the temp dirs deleted at the end, also on failure.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pLimit from "p-limit";
import pg from "pg";
import Stripe from "stripe";
import { sessionCookies, startAppProcess } from "./lib/bench-app.ts";
import { buildIfNeeded } from "./lib/build.ts";
import { projectRoot } from "./lib/database.ts";
import { ensureDatabase, freePort, startEmbeddedPostgres, type RunningPostgres } from "./lib/embedded-postgres.ts";
import { marketplaceViolations } from "./lib/invariants.ts";
import { applyMigrations } from "./lib/migrate.ts";
import { childrenOf, waitForExit } from "./lib/processes.ts";
import { deliveryPlan } from "./lib/signed-events.ts";
import { startSender, type DeliveryOutcome } from "./lib/webhook-sender.ts";
import { startStripeEmulator } from "./stripe-emulator/server.ts";
import {
  listDeliveries,
  payCheckoutSession,
  setWebhookUrl,
  waitForWebhooks,
  type DeliveryRecord,
} from "./stripe-emulator/testing.ts";
import { db } from "../app/utils/db.server.ts";
import { reloadEnv } from "../app/utils/env.server.ts";

const RUN_KINDS = ["plain", "postgres-killed", "app-killed"] as const;
type RunKind = (typeof RUN_KINDS)[number];

const { values } = parseArgs({
  options: {
    deliveries: { type: "string", default: "2000" },
    rate: { type: "string", default: "500" },
    dup: { type: "string", default: "0.1" },
    runs: { type: "string", default: RUN_KINDS.join(",") },
    "kill-at": { type: "string", default: "0.4" },
    down: { type: "string", default: "3" },
    "settle-timeout": { type: "string", default: "240" },
  },
});
const DELIVERIES = Number(values.deliveries);
const RATE = Number(values.rate);
const DUP = Number(values.dup);
const KILL_AT = Number(values["kill-at"]);
const DOWN_S = Number(values.down);
const SETTLE_TIMEOUT_S = Number(values["settle-timeout"]);
const RUNS = values.runs!.split(",").map((r) => r.trim()) as RunKind[];
if (
  !Number.isInteger(DELIVERIES) ||
  DELIVERIES < 20 ||
  !(RATE > 0) ||
  !(DUP >= 0 && DUP < 0.5) ||
  !(KILL_AT > 0 && KILL_AT < 1) ||
  !(DOWN_S >= 0) ||
  !(SETTLE_TIMEOUT_S > 0) ||
  RUNS.some((r) => !RUN_KINDS.includes(r))
) {
  console.error(
    "Usage: npm run bench:chaos -- [--deliveries 2000] [--rate 500] [--dup 0.1] [--runs plain,postgres-killed,app-killed] [--kill-at 0.4] [--down 3] [--settle-timeout 240]",
  );
  process.exit(2);
}

const log = (line: string) => console.error(`[chaos] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const since = (t: number) => (performance.now() - t) / 1000;

// ---------------------------------------------------------------------------------------------------------------
// Process control: everything started is pushed here and undone in reverse order, also on failure or Ctrl-C.
const cleanups: (() => Promise<void>)[] = [];
async function cleanup(until = 0) {
  while (cleanups.length > until)
    await cleanups.pop()!().catch((e) => console.error(`[chaos] cleanup: ${(e as Error).message ?? e}`));
}
process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));
process.on("SIGTERM", () => void cleanup().finally(() => process.exit(143)));

/** A query on a connection of its own: PostgreSQL may be down between two of them. */
async function query<Row extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query<Row>(text, params)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Retries `fn` (a request a person or Stripe would repeat) until it succeeds or `timeoutMs` passes. */
async function retrying<T>(what: string, fn: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline || (error as { final?: boolean }).final) throw error;
      if (attempt === 1 || attempt % 10 === 0) log(`${what}: ${(error as Error).message} — trying again`);
      await sleep(Math.min(2000, 250 * attempt));
    }
  }
}

/** An error `retrying` does not retry (the app answered and refused). */
function final(message: string) {
  return Object.assign(new Error(message), { final: true });
}

interface RunResult {
  run: RunKind;
  sent: number;
  acknowledged: number;
  retried: number;
  lost: number;
  doubled: number;
  stuck: number;
  dead: number;
  violations: number;
  app_survived: boolean;
  settle_s: number;
}

// ---------------------------------------------------------------------------------------------------------------
async function runOnce(kind: RunKind): Promise<RunResult> {
  const t0 = performance.now();
  const mark = cleanups.length;
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-chaos-pg-"));
  cleanups.push(async () => fs.rmSync(tempDir, { recursive: true, force: true }));
  fs.chmodSync(tempDir, 0o755); // run as root, PostgreSQL runs as the `postgres` user and must reach its data dir
  const dataDir = path.join(tempDir, "data");
  try {
    // --- PostgreSQL, the emulator, the app --------------------------------------------------------------------
    log(`[${kind}] starting a throw-away PostgreSQL in ${tempDir}…`);
    // persistent: the data dir must outlive a killed server (the temp dir is deleted above, at the end).
    let server: RunningPostgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: true });
    const pgPort = Number(new URL(server.adminUrl).port);
    let serverAlive = true;
    cleanups.push(async () => {
      if (serverAlive) await server.stop();
    });
    await ensureDatabase(server.adminUrl, "chaos");
    const databaseUrl = server.urlFor("chaos");
    await applyMigrations(databaseUrl, (line) => log(`[${kind}] ${line}`));

    const appPort = await freePort();
    const appUrl = `http://127.0.0.1:${appPort}`;
    const webhookUrl = `${appUrl}/api/webhooks/stripe`;
    const emulator = await startStripeEmulator({
      port: 0,
      webhookUrl,
      // Long enough to outlast an app restart: Stripe itself retries for three days.
      retryScheduleMs: [500, 1000, 2000, 4000, 8000, 15_000, 30_000, 60_000],
    });
    cleanups.push(() => emulator.close());
    const base = new URL(emulator.url);
    const stripe = new Stripe(emulator.secretKey, { host: base.hostname, port: Number(base.port), protocol: "http" });
    const appEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      APP_URL: appUrl,
      PORT: String(appPort),
      STRIPE_API_BASE: emulator.url,
      STRIPE_SECRET_KEY: emulator.secretKey,
      STRIPE_PUBLISHABLE_KEY: emulator.publishableKey,
      STRIPE_WEBHOOK_SECRET: emulator.webhookSecret,
    };
    // This process reads the same database for the invariants (the app's own client, `db()`).
    Object.assign(process.env, {
      DATABASE_URL: databaseUrl,
      STRIPE_API_BASE: emulator.url,
      STRIPE_SECRET_KEY: emulator.secretKey,
      STRIPE_PUBLISHABLE_KEY: emulator.publishableKey,
      STRIPE_WEBHOOK_SECRET: emulator.webhookSecret,
    });
    reloadEnv();
    cleanups.push(() => db().$disconnect());

    const outputs: (() => string)[] = [];
    const noReconciliation = () =>
      query(databaseUrl, `DELETE FROM "pgboss"."schedule" WHERE "name" = 'reconcile-events'`).then(() => {});
    const startApp = async () => {
      const started = performance.now();
      const app = await startAppProcess({ env: appEnv, cleanups });
      outputs.push(app.output);
      await noReconciliation();
      log(`[${kind}] app (pid ${app.child.pid}) on ${appUrl}, started in ${since(started).toFixed(1)} s.`);
      return app;
    };
    let app = await startApp();
    // What the queues' policies are once the app runs (app/utils/queue.server.ts declares stripe-event "stately",
    // reconcile-events and clean-up "singleton"): evidence for the jobs-per-event check at the end.
    const policies = await query<{ name: string; policy: string }>(
      databaseUrl,
      `SELECT "name", "policy" FROM "pgboss"."queue" ORDER BY "name"`,
    );
    const declared: Record<string, string> = {
      "stripe-event": "stately",
      "reconcile-events": "singleton",
      "clean-up": "singleton",
    };
    const drifted = policies.filter((q) => declared[q.name] && declared[q.name] !== q.policy);
    log(
      `[${kind}] pg-boss queue policies: ${policies.map((q) => `${q.name} ${q.policy}`).join(", ")}` +
        (drifted.length
          ? ` — NOT as declared (${drifted.map((q) => `${q.name} should be ${declared[q.name]}`).join(", ")})`
          : ""),
    );

    // --- Buyers, the staff member, products ---------------------------------------------------------------------
    const buyers = DELIVERIES + 10; // each purchase by a buyer of its own: more than enough
    await query(
      databaseUrl,
      `INSERT INTO "users" ("id", "email", "name", "passwordHash", "role", "updatedAt")
       SELECT 'chaos_buyer_' || g, 'chaos-buyer-' || g || '@bench.test', 'Chaos Buyer ' || g, 'x', 'BUYER', now()
       FROM generate_series(1, $1::int) g`,
      [buyers],
    );
    await query(
      databaseUrl,
      `INSERT INTO "sessions" ("id", "userId", "expiresAt")
       SELECT 'chaos_session_' || g, 'chaos_buyer_' || g, now() + interval '1 day' FROM generate_series(1, $1::int) g`,
      [buyers],
    );
    await query(
      databaseUrl,
      `INSERT INTO "sessions" ("id", "userId", "expiresAt")
       SELECT 'chaos_session_staff', u."id", now() + interval '1 day' FROM "users" u WHERE u."email" = 'staff@example.com'`,
    );
    const cookieFor = sessionCookies();
    const staffCookie = await cookieFor("chaos_session_staff");
    const products = await query<{ id: string; amount: number; currency: string }>(
      databaseUrl,
      `SELECT p."id", pr."amount", pr."currency" FROM "products" p JOIN "prices" pr ON pr."productId" = p."id"
       WHERE p."published" AND p."kind" = 'DOWNLOAD' ORDER BY p."createdAt", p."slug"`,
    );
    if (!products.length) throw new Error("The demo seed made no products.");
    const [{ stripeAccountId: creatorAccount } = { stripeAccountId: null }] = await query<{
      stripeAccountId: string | null;
    }>(databaseUrl, `SELECT "stripeAccountId" FROM "creator_accounts" WHERE "chargesEnabled" LIMIT 1`);
    if (!creatorAccount) throw new Error("The demo creator is not connected to the emulator.");

    let nextBuyer = 1;
    /** POST /checkout as a fresh buyer, pay the session on the emulator; the session id. */
    const purchase = async (productIndex: number, retry = false) => {
      const buyer = nextBuyer++;
      const cookie = await cookieFor(`chaos_session_${buyer}`);
      const product = products[productIndex % products.length]!;
      const start = async () => {
        const res = await fetch(`${appUrl}/checkout`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: appUrl, cookie },
          body: `productId=${encodeURIComponent(product.id)}`,
        });
        const location = res.headers.get("location") ?? "";
        const session = /\/(cs_[A-Za-z0-9_]+)/.exec(location)?.[1];
        if (res.status === 303 && session) return session;
        const message = `POST /checkout answered ${res.status} ${location}`;
        throw res.status >= 500 ? new Error(message) : final(message);
      };
      // A buyer who sees an error tries again; the app gives them their open session back.
      const session = retry ? await retrying(`[${kind}] purchase during the burst`, start) : await start();
      const paid = await payCheckoutSession(emulator.url, session);
      if (paid.status !== "succeeded") throw new Error(`paying ${session} ended ${paid.status}`);
      return session;
    };

    /** Every event on the emulator: the platform's and the creator's connected account's, oldest first. */
    const allEvents = async () => {
      const events: Stripe.Event[] = [];
      for await (const event of stripe.events.list({ limit: 100 })) events.push(event);
      for await (const event of stripe.events.list({ limit: 100 }, { stripeAccount: creatorAccount }))
        events.push(event);
      return events.reverse().sort((a, b) => a.created - b.created);
    };

    // --- The order refunded during the burst, bought with the emulator's webhooks on -------------------------------
    const refundSession = await purchase(0);
    if (!(await waitForWebhooks(emulator.url, 30_000))) throw new Error("the first purchase's webhooks did not settle");
    const refundOrder = await retrying(
      `[${kind}] waiting for the first order`,
      async () => {
        const [order] = await query<{ id: string; totalAmount: number; refundedAmount: number }>(
          databaseUrl,
          `SELECT "id", "totalAmount", "refundedAmount" FROM "orders" WHERE "stripeCheckoutSessionId" = $1`,
          [refundSession],
        );
        if (!order) throw new Error("no order yet");
        return order;
      },
      30_000,
    );

    // --- Purchases whose events this script delivers ---------------------------------------------------------------
    await setWebhookUrl(emulator.url, null);
    const before = new Set((await allEvents()).map((e) => e.id));
    const distinctTarget = Math.round(DELIVERIES * (1 - DUP));
    const buying = performance.now();
    let purchases = 0;
    const limit = pLimit(4);
    const buy = (count: number) =>
      Promise.all(Array.from({ length: count }, () => limit(() => purchase(purchases++ + 1))));
    await buy(4);
    const perPurchase = ((await allEvents()).length - before.size) / purchases;
    const more = Math.max(0, Math.floor(distinctTarget / perPurchase) - purchases);
    log(
      `[${kind}] a purchase makes ${perPurchase.toFixed(1)} events: ${more + purchases} purchases for ~${distinctTarget} distinct events…`,
    );
    await buy(more);
    const events = (await allEvents()).filter((e) => !before.has(e.id));
    const byType = new Map<string, number>();
    for (const event of events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
    const total = Math.max(DELIVERIES, events.length);
    log(
      `[${kind}] ${purchases} purchases in ${since(buying).toFixed(1)} s made ${events.length} events ` +
        `(${[...byType].map(([t, n]) => `${t} ${n}`).join(", ")}); the ${total} deliveries are those ${events.length} ` +
        `once and ${total - events.length} exact duplicates.`,
    );
    await setWebhookUrl(emulator.url, webhookUrl);

    // --- The burst ---------------------------------------------------------------------------------------------------
    const plan = deliveryPlan(events, total, emulator.webhookSecret);
    const sender = startSender({ url: webhookUrl, plan, rate: RATE, secret: emulator.webhookSecret });
    cleanups.push(async () => sender.stop());
    const burst = performance.now();
    log(`[${kind}] burst: ${plan.length} deliveries at ${RATE}/s…`);
    const at = async (fraction: number) => {
      while (sender.progress().started < plan.length * fraction) await sleep(5);
    };
    const problems: string[] = [];

    // A staff refund of half the first order, through the staff refund route, as the form posts it.
    const staffRefund = (async () => {
      await at(0.15);
      const requestKey = randomUUID();
      const amount = Math.floor(refundOrder.totalAmount / 2);
      const form = new URLSearchParams({
        amount: String(amount),
        reason: "requested_by_customer",
        note: "bench:chaos",
        reverseTransfer: "true",
        refundApplicationFee: "true",
        balancePolicy: "reverse_anyway",
        expectedRefunded: String(refundOrder.refundedAmount),
        requestKey,
      });
      const started = since(burst);
      await retrying(`[${kind}] staff refund during the burst`, async () => {
        const res = await fetch(`${appUrl}/staff/orders/${refundOrder.id}/refund`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: appUrl, cookie: staffCookie },
          body: form.toString(),
        });
        if (res.status === 303) return;
        const message = `refund answered ${res.status}: ${(await res.text()).replace(/<[^>]*>/g, " ").slice(0, 300)}`;
        throw res.status >= 500 ? new Error(message) : final(message);
      });
      log(
        `[${kind}] staff refund of ${amount} on order ${refundOrder.id}: asked at ${started.toFixed(1)} s, made at ${since(burst).toFixed(1)} s.`,
      );
    })().catch((error) => problems.push(`the staff refund failed: ${(error as Error).message}`));

    // A purchase through the app, paid on the emulator, whose events the emulator delivers.
    let burstSession: string | null = null;
    const burstPurchase = (async () => {
      await at(0.3);
      const started = since(burst);
      burstSession = await purchase(1, true);
      log(
        `[${kind}] purchase ${burstSession}: started at ${started.toFixed(1)} s, paid at ${since(burst).toFixed(1)} s.`,
      );
    })().catch((error) => problems.push(`the purchase during the burst failed: ${(error as Error).message}`));

    // The fault.
    let appSurvivedKill = true;
    const firstApp = app;
    const chaos = (async () => {
      if (kind === "plain") return;
      await at(KILL_AT);
      if (kind === "postgres-killed") {
        let appExit: string | null = null;
        const appExited = new Promise<void>((resolve) =>
          firstApp.child.once("exit", (code, signal) => {
            appExit = signal ?? `exit code ${code}`;
            resolve();
          }),
        );
        const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
        const backends = childrenOf(postmaster);
        process.kill(postmaster, "SIGKILL");
        serverAlive = false; // its stop() would wait for an exit that already happened
        log(`[${kind}] SIGKILLed the postmaster (pid ${postmaster}) at ${since(burst).toFixed(1)} s.`);
        await waitForExit(postmaster, 5000);
        // Its backends notice and exit; a new postmaster cannot start while one still holds the shared memory.
        for (const pid of backends) if (!(await waitForExit(pid, 10_000))) process.kill(pid, "SIGKILL");
        await sleep(DOWN_S * 1000);
        server = await startEmbeddedPostgres({ dataDir, port: pgPort, persistent: true });
        serverAlive = true;
        if (new URL(server.adminUrl).port !== String(pgPort))
          throw new Error(`PostgreSQL restarted on ${new URL(server.adminUrl).port}, not ${pgPort}`);
        log(`[${kind}] PostgreSQL restarted on port ${pgPort} at ${since(burst).toFixed(1)} s.`);
        await Promise.race([appExited, sleep(3000)]);
        if (appExit) {
          // The run has failed (app_survived false); the app is started again, as a supervisor would, so that the
          // rest (lost, doubled, stuck) is still measured.
          appSurvivedKill = false;
          log(
            `[${kind}] the app process DIED (${appExit}) while PostgreSQL was down; starting it again as a supervisor would, to measure the rest.`,
          );
          app = await startApp();
          log(`[${kind}] app serving again at ${since(burst).toFixed(1)} s.`);
        }
      } else {
        const exited = new Promise((resolve) => firstApp.child.once("exit", resolve));
        firstApp.child.kill("SIGKILL");
        await exited;
        log(
          `[${kind}] SIGKILLed the app (pid ${firstApp.child.pid}) at ${since(burst).toFixed(1)} s; starting it again…`,
        );
        app = await startApp();
        log(`[${kind}] app serving again at ${since(burst).toFixed(1)} s.`);
      }
    })();

    const ticker = setInterval(() => {
      const p = sender.progress();
      log(
        `[${kind}]   ${since(burst).toFixed(1)} s: ${p.started}/${plan.length} sent, ${p.acknowledged} acknowledged, ` +
          `${p.retrying} being retried, ${p.inFlight} in flight, ${p.failedAttempts} failed attempts`,
      );
    }, 1000);
    let outcomes: DeliveryOutcome[];
    try {
      await chaos;
      outcomes = await sender.done;
    } finally {
      clearInterval(ticker);
    }
    await Promise.all([staffRefund, burstPurchase]);
    const burstSeconds = since(burst);
    const acknowledged = outcomes.filter((o) => o.acknowledged).length;
    const retried = outcomes.filter((o) => o.attempts > 1).length;
    const attempts = outcomes.reduce((n, o) => n + o.attempts, 0);
    const failures = new Map<string, number>();
    for (const o of outcomes)
      for (const r of o.results.slice(0, o.acknowledged ? -1 : undefined))
        failures.set(String(r), (failures.get(String(r)) ?? 0) + 1);
    log(
      `[${kind}] burst over in ${burstSeconds.toFixed(1)} s: ${acknowledged}/${plan.length} acknowledged, ${retried} retried, ` +
        `${attempts} attempts${failures.size ? ` (failed: ${[...failures].map(([s, n]) => `${s}×${n}`).join(", ")})` : ""}, ` +
        `${outcomes.filter((o) => o.duplicate).length} answered as duplicates.`,
    );

    // --- Settling, with no further redelivery from here --------------------------------------------------------------
    log(`[${kind}] waiting for the emulator's deliveries and the queue to settle (up to ${SETTLE_TIMEOUT_S} s)…`);
    const settling = performance.now();
    const settleDeadline = Date.now() + SETTLE_TIMEOUT_S * 1000;
    if (!(await waitForWebhooks(emulator.url, SETTLE_TIMEOUT_S * 1000)))
      log(`[${kind}] the emulator still has deliveries pending.`);
    let pending = -1;
    let lastReport = 0;
    for (;;) {
      const [row] = await query<{ n: number }>(
        databaseUrl,
        `SELECT COUNT(*)::int AS n FROM "stripe_events"
         WHERE "processedAt" IS NULL AND "deadAt" IS NULL AND "dismissedAt" IS NULL`,
      ).catch(() => [{ n: -1 }]);
      pending = row!.n;
      if (pending === 0 || Date.now() > settleDeadline) break;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        log(`[${kind}]   ${since(settling).toFixed(0)} s: ${pending} stored events not processed yet`);
      }
      await sleep(250);
    }
    const settleSeconds = Math.round(since(settling) * 10) / 10;
    log(
      pending === 0
        ? `[${kind}] settled ${settleSeconds} s after the burst.`
        : `[${kind}] NOT settled after ${settleSeconds} s: ${pending} events still unprocessed.`,
    );

    // --- The verdict -----------------------------------------------------------------------------------------------
    const stored = await query<{
      id: string;
      type: string;
      deliveries: number;
      processed: boolean;
      dead: boolean;
      dismissed: boolean;
      attempts: number;
      error: string | null;
    }>(
      databaseUrl,
      `SELECT "id", "type", "deliveries", "processedAt" IS NOT NULL AS processed, "deadAt" IS NOT NULL AS dead,
         "dismissedAt" IS NOT NULL AS dismissed, "attempts", "processingError" AS error FROM "stripe_events"`,
    );
    const storedById = new Map(stored.map((row) => [row.id, row]));
    const emulatorDeliveries: DeliveryRecord[] = await listDeliveries(emulator.url);
    // Deliveries of one event: this script's attempts plus the emulator's.
    const attemptsById = new Map<string, number>();
    const ackedIds = new Set<string>();
    for (const o of outcomes) {
      attemptsById.set(o.eventId, (attemptsById.get(o.eventId) ?? 0) + o.attempts);
      if (o.acknowledged) ackedIds.add(o.eventId);
    }
    for (const d of emulatorDeliveries) {
      attemptsById.set(d.event, (attemptsById.get(d.event) ?? 0) + d.attempts.length);
      if (d.status === "succeeded") ackedIds.add(d.event);
    }
    const emulatorFailed = emulatorDeliveries.filter((d) => d.status !== "succeeded");
    const emulatorRetried = emulatorDeliveries.filter((d) => d.attempts.length > 1).length;
    const emulatorFailures = new Map<string, number>();
    for (const d of emulatorDeliveries)
      for (const a of d.attempts)
        if (a.status === null || a.status < 200 || a.status >= 300) {
          const key = `${d.type} ${a.status ?? a.error}`;
          emulatorFailures.set(key, (emulatorFailures.get(key) ?? 0) + 1);
        }
    log(
      `[${kind}] the emulator's own deliveries, from the app's start on: ${emulatorDeliveries.length} (${emulatorRetried} retried` +
        `${emulatorFailed.length ? `, ${emulatorFailed.length} NOT acknowledged` : ""})` +
        `${emulatorFailures.size ? `; failed attempts: ${[...emulatorFailures].map(([k, n]) => `${k}×${n}`).join(", ")}` : ""}.`,
    );
    const lostIds = [...ackedIds].filter((id) => !storedById.has(id));
    const stuckRows = stored.filter((row) => !row.processed && !row.dead && !row.dismissed);
    const deadRows = stored.filter((row) => row.dead);
    const overCounted = stored.filter((row) => row.deliveries > (attemptsById.get(row.id) ?? 0));

    const [orderCounts] = await query<{ orders: number; sessions: number }>(
      databaseUrl,
      `SELECT COUNT(*)::int AS orders, COUNT(DISTINCT "stripeCheckoutSessionId")::int AS sessions FROM "orders"
       WHERE "membershipId" IS NULL`,
    );
    const [refundCounts] = await query<{ refunds: number; distinct: number; unsent: number }>(
      databaseUrl,
      `SELECT COUNT("stripeRefundId")::int AS refunds, COUNT(DISTINCT "stripeRefundId")::int AS distinct,
         COUNT(*) FILTER (WHERE "stripeRefundId" IS NULL)::int AS unsent FROM "refunds"`,
    );
    const [paidAudits] = await query<{ extra: number }>(
      databaseUrl,
      `SELECT COALESCE(SUM(n - 1), 0)::int AS extra FROM
         (SELECT COUNT(*) AS n FROM "audit_log" WHERE "action" = 'order.paid' GROUP BY "entityId") a`,
    );
    let paidSessions = 0;
    for await (const s of stripe.checkout.sessions.list({ limit: 100 }))
      if (s.payment_status === "paid" && s.client_reference_id) paidSessions++;
    let stripeRefunds = 0;
    for await (const _refund of stripe.refunds.list({ limit: 100 })) stripeRefunds++;
    const expectedOrders = 1 + purchases + (burstSession ? 1 : 0);
    const doubledParts = {
      ordersPerSession: orderCounts!.orders - orderCounts!.sessions,
      ordersBeyondPaidSessions: Math.max(0, orderCounts!.orders - paidSessions),
      refundsPerStripeRefund: refundCounts!.refunds - refundCounts!.distinct,
      refundsBeyondStripe: Math.max(0, refundCounts!.refunds - stripeRefunds),
      orderPaidAudits: paidAudits!.extra,
      eventsCountedTwice: overCounted.length,
    };
    const doubled = Object.values(doubledParts).reduce((a, b) => a + b, 0);
    log(
      `[${kind}] ${orderCounts!.orders} orders for ${paidSessions} paid sessions (${expectedOrders} purchases made), ` +
        `${refundCounts!.refunds} refunds for ${stripeRefunds} on Stripe` +
        `${refundCounts!.unsent ? ` (and ${refundCounts!.unsent} refund rows with no Stripe refund)` : ""}.`,
    );

    const violations = [...problems];
    try {
      violations.push(...(await marketplaceViolations(stripe)));
    } catch (error) {
      violations.push(`the invariant check failed: ${(error as Error).stack ?? error}`);
    }
    // The staff refund answered 303: it must be on Stripe by now, not left PENDING with no Stripe id.
    const unsent = await query<{ id: string; amount: number; status: string }>(
      databaseUrl,
      `SELECT "id", "amount", "status" FROM "refunds" WHERE "stripeRefundId" IS NULL AND "status" = 'PENDING'`,
    );
    for (const r of unsent)
      violations.push(`refund ${r.id} (${r.amount}) is ${r.status} with no Stripe refund: it was never sent to Stripe`);
    if (orderCounts!.orders < expectedOrders)
      violations.push(`${expectedOrders} purchases paid, ${orderCounts!.orders} orders recorded`);

    const current = app;
    const alive = current.child.exitCode === null && current.child.signalCode === null;
    const healthy = await fetch(`${appUrl}/healthz`)
      .then((res) => res.status === 200)
      .catch(() => false);
    const appSurvived = appSurvivedKill && alive && healthy;

    // Evidence for anything that is not zero.
    const show = (title: string, lines: string[]) => {
      if (!lines.length) return;
      log(`[${kind}] ${title}:`);
      for (const line of lines.slice(0, 20)) log(`[${kind}]   ${line}`);
      if (lines.length > 20) log(`[${kind}]   … and ${lines.length - 20} more`);
    };
    show("LOST (acknowledged, not stored)", lostIds);
    show(
      "DOUBLED",
      Object.entries(doubledParts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k}: ${n}`),
    );
    show(
      "events counted more often than delivered",
      overCounted.map((r) => `${r.id} ${r.type}: deliveries ${r.deliveries}, attempts ${attemptsById.get(r.id) ?? 0}`),
    );
    if (stuckRows.length) {
      const jobs = await query<{ id: string; state: string; n: number }>(
        databaseUrl,
        `SELECT "singleton_key" AS id, "state", COUNT(*)::int AS n FROM "pgboss"."job"
         WHERE "name" = 'stripe-event' AND "singleton_key" = ANY($1) GROUP BY 1, 2`,
        [stuckRows.map((r) => r.id)],
      ).catch(() => []);
      const jobStates = new Map<string, string[]>();
      for (const j of jobs) jobStates.set(j.id, [...(jobStates.get(j.id) ?? []), `${j.state}×${j.n}`]);
      show(
        "STUCK (stored, not processed, not dead)",
        stuckRows.map(
          (r) =>
            `${r.id} ${r.type}: ${r.attempts} attempts, jobs ${jobStates.get(r.id)?.join(" ") ?? "none"}` +
            `${r.error ? `, last error: ${r.error.split("\n")[0]!.slice(0, 200)}` : ""}`,
        ),
      );
    }
    show(
      "dead-lettered",
      deadRows.map((r) => `${r.id} ${r.type}: ${(r.error ?? "").split("\n")[0]!.slice(0, 200)}`),
    );
    show("VIOLATIONS", violations);
    // Two jobs of one event in the same state: what the "stately" policy exists to prevent (harmless for the books,
    // the second finds the event processed; reported as evidence, with each job's policy).
    const extraJobs = await query<{ id: string; jobs: string }>(
      databaseUrl,
      `SELECT "singleton_key" AS id,
         string_agg(format('%s (policy %s, retry %s, started %s, job %s)', "state", "policy", "retry_count",
           to_char("started_on", 'HH24:MI:SS.MS'), "id"), '; ' ORDER BY "created_on") AS jobs
       FROM "pgboss"."job" WHERE "name" = 'stripe-event' AND "state" IN ('created', 'retry', 'active')
       GROUP BY 1 HAVING COUNT(DISTINCT "state") < COUNT(*)`,
    ).catch((error) => [{ id: "(query failed)", jobs: (error as Error).message }]);
    show(
      "events with two jobs in the same state (created, retry or active)",
      extraJobs.map((j) => `${j.id}: ${j.jobs}`),
    );
    if (!appSurvived)
      log(`[${kind}] the app did not survive: alive ${alive}, /healthz ${healthy ? "200" : "not 200"}.`);
    if (!appSurvived || lostIds.length || doubled || stuckRows.length || violations.length) {
      // The app's output is evidence: kept in a file (the only thing this script leaves behind, and only on failure).
      const file = path.join(os.tmpdir(), `bench-chaos-${kind}-app.log`);
      fs.writeFileSync(file, outputs.map((o, i) => `===== app process ${i + 1} =====\n${o()}`).join("\n"));
      const lines = outputs
        .map((o) => o())
        .join("\n")
        .split("\n")
        .filter((l) => /error|warn|exit/i.test(l))
        .slice(-15);
      show(`last error/warning lines from the app (all its output in ${file})`, lines);
    }
    log(`[${kind}] run took ${since(t0).toFixed(0)} s.`);
    return {
      run: kind,
      sent: plan.length,
      acknowledged,
      retried,
      lost: lostIds.length,
      doubled,
      stuck: stuckRows.length,
      dead: deadRows.length,
      violations: violations.length,
      app_survived: appSurvived,
      settle_s: settleSeconds,
    };
  } finally {
    await cleanup(mark);
  }
}

// ---------------------------------------------------------------------------------------------------------------
let exitCode = 0;
try {
  const t0 = performance.now();
  // Others may be using build/ as it is: build only when there is none.
  if (!fs.existsSync(path.join(projectRoot, "build/server/index.js"))) buildIfNeeded(log, { quiet: true });
  log(
    `${RUNS.length} runs (${RUNS.join(", ")}): ${DELIVERIES} deliveries at ${RATE}/s, ${Math.round(DUP * 100)}% exact duplicates, ` +
      `on ${os.cpus().length} cores; each starts from a fresh database and emulator.`,
  );
  for (const kind of RUNS) {
    try {
      const result = await runOnce(kind);
      console.log(JSON.stringify(result));
      if (result.lost || result.doubled || result.stuck || result.violations || !result.app_survived) exitCode = 1;
    } catch (error) {
      console.error(`[chaos] [${kind}] ${(error as Error).stack ?? error}`);
      console.log(JSON.stringify({ run: kind, error: (error as Error).message }));
      exitCode = 1;
    }
  }
  log(`done in ${since(t0).toFixed(0)} s${exitCode ? " — FAILED" : ""}.`);
} catch (error) {
  console.error(`[chaos] ${(error as Error).stack ?? error}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
