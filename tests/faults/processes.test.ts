// Fault suite: processes and the database misbehave. Two app processes share one PostgreSQL and receive the same
// webhooks and the same buyer; one process is killed mid-fulfillment; the database restarts under load.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { db } from "#app/utils/db.server.ts";
import { reloadEnv } from "#app/utils/env.server.ts";
import {
  ensureDatabase,
  freePort,
  startEmbeddedPostgres,
  type RunningPostgres,
} from "../../scripts/lib/embedded-postgres.ts";
import { applyMigrations } from "../../scripts/lib/migrate.ts";
import { projectRoot } from "../../scripts/lib/database.ts";
import { childrenOf } from "../../scripts/lib/processes.ts";
import { startStripeEmulator, type StripeEmulator } from "../../scripts/stripe-emulator/server.ts";
import * as controls from "../../scripts/stripe-emulator/testing.ts";
import { startTestApp, type TestApp } from "#tests/helpers/app-server.ts";
import { emulatorClient, eventsSettled } from "#tests/helpers/stripe.ts";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { createUser, sessionCookie } from "#tests/helpers/requests.ts";

const dataDir = path.join(projectRoot, `data/fault-postgres-${process.pid}`);
let postgres: RunningPostgres;
let pgPort: number;
let databaseUrl: string;
let emulator: StripeEmulator;
let stripe: Stripe;
let appA: TestApp;
const apps: TestApp[] = [];

async function startPostgres() {
  postgres = await startEmbeddedPostgres({ dataDir, persistent: true, fast: true, port: pgPort });
  pgPort = Number(new URL(postgres.adminUrl).port);
}

beforeAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  await startPostgres();
  await ensureDatabase(postgres.adminUrl, "faults");
  databaseUrl = postgres.urlFor("faults");
  await applyMigrations(databaseUrl);

  // Retries over ~75 s (Stripe's own span three days): a restarted app on a busy 2-core machine can take 20 s to listen.
  emulator = await startStripeEmulator({
    port: 0,
    retryScheduleMs: [300, 1000, 2000, 4000, 8000, 15_000, 20_000, 25_000],
    deliveryTimeoutMs: 30_000,
  });
  stripe = emulatorClient(emulator.url, emulator.secretKey);
  // This test process talks to the same database and emulator as the apps.
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    STRIPE_API_BASE: emulator.url,
    STRIPE_SECRET_KEY: emulator.secretKey,
    STRIPE_WEBHOOK_SECRET: emulator.webhookSecret,
  });
  reloadEnv();
  appA = await startTestApp({
    databaseUrl,
    env: {
      STRIPE_API_BASE: emulator.url,
      STRIPE_SECRET_KEY: emulator.secretKey,
      STRIPE_PUBLISHABLE_KEY: emulator.publishableKey,
      STRIPE_WEBHOOK_SECRET: emulator.webhookSecret,
      ...QUEUE_ENV,
    },
  });
  apps.push(appA);
  emulator.setWebhookUrl(`${appA.url}/api/webhooks/stripe`);
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.stop().catch(() => {});
  await emulator?.close();
  await db().$disconnect();
  await postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Kills the PostgreSQL server and all its processes with SIGKILL, as a crash (or the OOM killer) would. */
function killPostgres() {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const backends = childrenOf(postmaster);
  process.kill(postmaster, "SIGKILL");
  for (const backend of backends) process.kill(backend, "SIGKILL");
}

async function paidSession() {
  const { creator } = await onboardedCreator(emulator.url);
  const product = await publishedProduct(creator.id, { amount: 4_200, currency: "usd" });
  const { user } = await createUser();
  const checkout = await startCheckout({ buyer: user, productId: product.id, appUrl: appA.url, actor: SYSTEM_ACTOR });
  return { user, product, sessionId: /\/(cs_[A-Za-z0-9_]+)/.exec(checkout.url)![1]! };
}

/** Every delivery answered, then every stored event processed by the apps' workers (or dead-lettered). */
async function settle(timeoutMs = 100_000) {
  expect(await controls.waitForWebhooks(emulator.url, timeoutMs)).toBe(true);
  await eventsSettled(timeoutMs);
}

/** The apps' queue settings: an attempt left running by a killed process is retried within seconds. */
const QUEUE_ENV = {
  STRIPE_EVENT_TIMEOUT_SECONDS: "5",
  JOB_MAINTENANCE_SECONDS: "1",
  STRIPE_EVENT_RETRY_DELAY_SECONDS: "1",
};

describe("processes and the database", () => {
  it(
    "completes an order exactly once when the app is killed mid-fulfillment and Stripe redelivers",
    { timeout: 120_000 },
    async () => {
      const { user, sessionId } = await paidSession();
      await settle();
      // Fulfillment reads the payment from Stripe first: make that read hang, then kill the app while it waits.
      await controls.injectFault(emulator.url, {
        path: "/v1/payment_intents/",
        method: "GET",
        count: 1,
        status: "hang",
      });
      await controls.payCheckoutSession(emulator.url, sessionId);
      const deadline = Date.now() + 10_000;
      while (!(await db().stripeEvent.count({ where: { type: "checkout.session.completed" } }))) {
        if (Date.now() > deadline) throw new Error("the webhook never reached the app");
        await new Promise((r) => setTimeout(r, 50));
      }
      await appA.crash();
      expect(await db().order.count({ where: { buyerId: user.id } })).toBe(0);
      await appA.restart();
      await settle();
      expect(await db().order.count({ where: { buyerId: user.id } })).toBe(1);
      const event = await db().stripeEvent.findFirstOrThrow({ where: { type: "checkout.session.completed" } });
      expect(event.processedAt).not.toBeNull();
      await expectMarketplaceInvariants(emulator.url, emulator.secretKey);
    },
  );

  it(
    "keeps one order per paid session with two app processes receiving the same webhooks and the same buyer",
    { timeout: 120_000 },
    async () => {
      const portB = await freePort();
      const endpoint = await stripe.webhookEndpoints.create({
        url: `http://localhost:${portB}/api/webhooks/stripe`,
        enabled_events: ["*"],
      });
      const appB = await startTestApp({
        databaseUrl,
        port: portB,
        env: {
          STRIPE_API_BASE: emulator.url,
          STRIPE_SECRET_KEY: emulator.secretKey,
          STRIPE_PUBLISHABLE_KEY: emulator.publishableKey,
          STRIPE_WEBHOOK_SECRET: endpoint.secret!,
          ...QUEUE_ENV,
        },
      });
      apps.push(appB);

      const { creator } = await onboardedCreator(emulator.url);
      const buyers = [];
      for (let i = 0; i < 4; i++) {
        const product = await publishedProduct(creator.id, { amount: 1_500 + i, currency: "usd" });
        const { user } = await createUser();
        const cookie = await sessionCookie(user.id);
        // The same buyer clicks Buy on both processes at once.
        const responses = await Promise.all(
          [appA, appB].map((app) =>
            fetch(`${app.url}/checkout`, {
              method: "POST",
              redirect: "manual",
              headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: app.url },
              body: new URLSearchParams({ productId: product.id }),
            }),
          ),
        );
        expect(responses.map((r) => r.status)).toEqual([303, 303]);
        expect(responses[0]!.headers.get("location")).toBe(responses[1]!.headers.get("location"));
        const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(responses[0]!.headers.get("location")!)![1]!;
        await controls.payCheckoutSession(emulator.url, sessionId);
        // Both processes render the success page at the same moment as the webhooks arrive.
        const pages = await Promise.all(
          [appA, appB].map((app) =>
            fetch(`${app.url}/checkout/success?session_id=${sessionId}`, { headers: { cookie } }),
          ),
        );
        expect(pages.map((p) => p.status)).toEqual([200, 200]);
        buyers.push(user);
      }
      await settle();
      for (const user of buyers) {
        expect(await db().order.count({ where: { buyerId: user.id } })).toBe(1);
        expect(await db().checkoutAttempt.count({ where: { buyerId: user.id } })).toBe(1);
      }
      const deliveries = await controls.listDeliveries(emulator.url, { type: "checkout.session.completed" });
      expect(new Set(deliveries.map((d) => d.url)).size).toBe(2);
      await expectMarketplaceInvariants(emulator.url, emulator.secretKey);
    },
  );

  it(
    "rides out a database restart: health reports it, webhooks fail and are retried, nothing is lost or doubled",
    { timeout: 120_000 },
    async () => {
      const { user, sessionId } = await paidSession();
      await settle();
      await db().$disconnect();
      await postgres.stop();
      const health = await fetch(`${appA.url}/healthz`);
      expect(health.status).toBe(503);
      expect((await health.json()).database.ok).toBe(false);
      await controls.payCheckoutSession(emulator.url, sessionId);
      await new Promise((r) => setTimeout(r, 800)); // the first deliveries fail while the database is down
      await startPostgres();
      await settle();
      expect((await fetch(`${appA.url}/healthz`)).status).toBe(200);
      expect(await db().order.count({ where: { buyerId: user.id } })).toBe(1);
      const failed = (await controls.listDeliveries(emulator.url, { type: "checkout.session.completed" })).filter((d) =>
        d.attempts.some((a) => a.status !== 200),
      );
      expect(failed.length).toBeGreaterThan(0);
      await expectMarketplaceInvariants(emulator.url, emulator.secretKey);
    },
  );

  it(
    "survives PostgreSQL killed with SIGKILL mid-query: requests answer 5xx, then 200 once it is back, same process",
    { timeout: 120_000 },
    async () => {
      const { creator } = await onboardedCreator(emulator.url);
      const product = await publishedProduct(creator.id);
      const page = () => fetch(`${appA.url}/p/${product.slug}`, { signal: AbortSignal.timeout(20_000) });
      expect((await page()).status).toBe(200);
      const pid = appA.pid();

      // Hold the products table so that the app's queries for the page wait in PostgreSQL, mid-query, when it dies.
      const locker = new pg.Client({ connectionString: databaseUrl });
      locker.on("error", () => {}); // its connection dies with the server too
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query('LOCK TABLE "products" IN ACCESS EXCLUSIVE MODE');
      // A connection the app dropped (it crashed) counts as status 0.
      const inFlight = Array.from({ length: 6 }, () =>
        page().then(
          (r) => r.status,
          () => 0,
        ),
      );
      const waiting = async () =>
        Number(
          (
            await locker.query(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
            )
          ).rows[0].n,
        );
      const deadline = Date.now() + 10_000;
      while ((await waiting()) < 1) {
        if (Date.now() > deadline)
          throw new Error(`the app's queries never reached PostgreSQL: ${await waiting()} waiting`);
        await new Promise((r) => setTimeout(r, 50));
      }

      await new Promise((r) => setTimeout(r, 300)); // let the other requests reach it too
      killPostgres();
      // Every request that was waiting on the database is answered, with an error, and the process lives on.
      const statuses = await Promise.all(inFlight);
      expect(
        statuses.filter((status) => status < 500),
        appA.output().slice(-3000),
      ).toEqual([]);
      await new Promise((r) => setTimeout(r, 500));
      expect(appA.alive(), appA.output().slice(-4000)).toBe(true);
      expect((await page()).status).toBeGreaterThanOrEqual(500);
      expect((await fetch(`${appA.url}/healthz`, { signal: AbortSignal.timeout(20_000) })).status).toBe(503);

      await startPostgres();
      const back = Date.now() + 30_000;
      for (let status = (await page()).status; status !== 200; status = (await page()).status) {
        if (Date.now() > back) throw new Error(`the app did not recover: ${status}\n${appA.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(appA.pid()).toBe(pid);
      expect(appA.alive()).toBe(true);
      expect((await fetch(`${appA.url}/healthz`)).status).toBe(200);
    },
  );

  it(
    "queues requests when the connection pool (10 per process) is exhausted, without errors",
    { timeout: 120_000 },
    async () => {
      const { creator } = await onboardedCreator(emulator.url);
      const product = await publishedProduct(creator.id);
      const now = Math.floor(Date.now() / 1000);
      const events = Array.from({ length: 60 }, (_, i) => {
        const payload = JSON.stringify({
          id: `evt_pool_${i}_${now}`,
          object: "event",
          type: "customer.created",
          created: now,
          data: { object: { id: `cus_${i}` } },
        });
        return {
          payload,
          signature: stripe.webhooks.generateTestHeaderString({ payload, secret: emulator.webhookSecret }),
        };
      });
      const requests = [
        ...Array.from({ length: 120 }, () => fetch(`${appA.url}/p/${product.slug}`)),
        ...events.map((e) =>
          fetch(`${appA.url}/api/webhooks/stripe`, {
            method: "POST",
            headers: { "stripe-signature": e.signature },
            body: e.payload,
          }),
        ),
      ];
      const statuses = (await Promise.all(requests)).map((r) => r.status);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(await db().stripeEvent.count({ where: { id: { startsWith: "evt_pool_" } } })).toBe(60);
    },
  );
});
