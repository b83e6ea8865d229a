// Fault suite: `npm start` itself (scripts/start.ts), run as its own process from the build (issue 14, defects 7
// and 8). What the user configured wins over what `npm start` would pick; killing it, however, must not leave its
// embedded PostgreSQL running, and what a crash leaves behind must not stop the next start.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../scripts/lib/database.ts";
import { freePort } from "../../scripts/lib/embedded-postgres.ts";
import { childrenOf, commandLine, processAlive, waitForExit } from "../../scripts/lib/processes.ts";
import { startStripeEmulator, type StripeEmulator } from "../../scripts/stripe-emulator/server.ts";
import * as controls from "../../scripts/stripe-emulator/testing.ts";
import { startTestApp, withoutVitestVariables, type TestApp } from "#tests/helpers/app-server.ts";
import { emulatorClient } from "#tests/helpers/stripe.ts";

const STRIPE_VARIABLES = ["STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"];

describe("npm start with a STRIPE_WEBHOOK_SECRET of the user's and no Stripe keys (the emulator)", () => {
  const userSecret = "whsec_set_by_the_user_for_this_test";
  let app: TestApp;
  let emulatorUrl: string;

  beforeAll(async () => {
    // Nothing of the test process's own Stripe setup reaches the app: only the one variable the user set.
    for (const name of STRIPE_VARIABLES) delete process.env[name];
    app = await startTestApp({ databaseUrl: process.env.DATABASE_URL!, env: { STRIPE_WEBHOOK_SECRET: userSecret } });
    emulatorUrl = /Stripe emulator on (http:\/\/\S+) /.exec(app.output())![1]!;
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  it("verifies webhooks with the user's secret", async () => {
    const payload = JSON.stringify({
      id: `evt_user_secret_${Date.now()}`,
      object: "event",
      type: "customer.created",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: "cus_user_secret", object: "customer" } },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: userSecret });
    const response = await fetch(`${app.url}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "stripe-signature": signature, "content-type": "application/json" },
      body: payload,
    });
    expect(response.status, await response.text()).toBe(200);
  });

  it("has the emulator sign its deliveries with that secret, and the app accepts them", async () => {
    const stripe = emulatorClient(emulatorUrl, "sk_test_emulator");
    const customer = await stripe.customers.create({ email: "signed-by-user-secret@example.com" });
    const [event] = (await stripe.events.list({ type: "customer.created" })).data.filter(
      (e) => (e.data.object as Stripe.Customer).id === customer.id,
    );
    // The first attempt's answer (other deliveries, of the demo data's events, are none of this test's business).
    const deadline = Date.now() + 20_000;
    let attempts: (number | null)[] = [];
    while (!attempts.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const deliveries = await controls.listDeliveries(emulatorUrl, { event: event!.id });
      attempts = deliveries.flatMap((d) => d.attempts.map((a) => a.status));
    }
    expect(attempts[0], app.output().slice(-2000)).toBe(200);
  });
});

describe("npm start and its embedded PostgreSQL", () => {
  const dataDir = path.join(projectRoot, `data/fault-start-postgres-${process.pid}`);
  const pidFile = path.join(dataDir, "postmaster.pid");
  let pgPort: number;
  // The apps' Stripe outlives each of them, as the database does (npm start's own emulator would be new each time).
  let emulator: StripeEmulator;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    pgPort = await freePort();
    emulator = await startStripeEmulator({ port: 0 });
  });
  afterAll(async () => {
    for (const app of apps) await app.stop().catch(() => {});
    await emulator?.close();
    // Whatever a failed test left running on this data directory.
    const postmaster = postmasterPid();
    if (postmaster && commandLine(postmaster)?.includes(dataDir))
      for (const pid of [postmaster, ...childrenOf(postmaster)]) process.kill(pid, "SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** `npm start` without DATABASE_URL: its embedded PostgreSQL, on this test's own data directory and port. */
  async function embeddedApp(options: { ownProcessGroup?: boolean } = {}) {
    const app = await startTestApp({
      env: {
        EMBEDDED_POSTGRES_DIR: dataDir,
        EMBEDDED_POSTGRES_PORT: String(pgPort),
        STRIPE_API_BASE: emulator.url,
        STRIPE_SECRET_KEY: emulator.secretKey,
        STRIPE_PUBLISHABLE_KEY: emulator.publishableKey,
        STRIPE_WEBHOOK_SECRET: emulator.webhookSecret,
      },
      ...options,
    });
    apps.push(app);
    return app;
  }

  function postmasterPid(): number | null {
    if (!fs.existsSync(pidFile)) return null;
    return Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  }

  /** The running postmaster and its children (backends, background workers). */
  function postgresProcesses() {
    const postmaster = postmasterPid();
    expect(postmaster && processAlive(postmaster)).toBeTruthy();
    return [postmaster!, ...childrenOf(postmaster!)];
  }

  async function expectServing(app: TestApp) {
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status, app.output().slice(-2000)).toBe(200);
  }

  it.each(["SIGTERM", "SIGINT"] as const)(
    "stops its PostgreSQL when it gets %s",
    { timeout: 120_000 },
    async (signal) => {
      const app = await embeddedApp();
      const postgres = postgresProcesses();
      await app.stop(signal);
      expect(postgres.filter(processAlive)).toEqual([]);
      expect(fs.existsSync(pidFile)).toBe(false);
    },
  );

  it(
    "after SIGKILL its PostgreSQL stops by itself within 10 s, and the next start on the same data works",
    { timeout: 120_000 },
    async () => {
      const app = await embeddedApp();
      const postgres = postgresProcesses();
      await app.crash();
      expect(await waitForExit(postgres[0]!, 10_000)).toBe(true);
      expect(postgres.filter(processAlive)).toEqual([]);
      await app.restart();
      await expectServing(app);
      await app.stop();
    },
  );

  it(
    "stops a PostgreSQL left running by a start killed with everything it started but PostgreSQL, and starts",
    { timeout: 120_000 },
    async () => {
      const app = await embeddedApp();
      const postgres = postgresProcesses();
      // Everything else npm start runs (a watchdog, say) dies with it, as when each is killed by the OOM killer.
      for (const helper of childrenOf(app.pid()).filter((pid) => pid !== postgres[0])) process.kill(helper, "SIGKILL");
      await app.crash();
      expect(processAlive(postgres[0]!)).toBe(true);
      await app.restart();
      expect(postgres.filter(processAlive)).toEqual([]);
      await expectServing(app);
      await app.stop();
    },
  );

  it(
    "starts over a stale postmaster.pid from a crash, whether its pid is gone or now an unrelated process's",
    { timeout: 180_000 },
    async () => {
      const app = await embeddedApp({ ownProcessGroup: true });
      // The whole process group at once (a power cut, a container killed): PostgreSQL dies too, its pid file stays.
      await app.crashGroup();
      const dead = postmasterPid();
      expect(dead).not.toBeNull();
      expect(await waitForExit(dead!, 5_000)).toBe(true);
      await app.restart();
      await expectServing(app);

      await app.crashGroup();
      // After a reboot the old pid is someone else's: here a process of PostgreSQL's own user, which PostgreSQL
      // itself also takes for a live server.
      const asPostgres =
        os.userInfo().uid === 0
          ? {
              uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
              gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
            }
          : {};
      const unrelated = spawn("sleep", ["300"], { ...asPostgres, stdio: "ignore" });
      try {
        const lines = fs.readFileSync(pidFile, "utf8").split("\n");
        lines[0] = String(unrelated.pid);
        fs.writeFileSync(pidFile, lines.join("\n"));
        await app.restart();
        await expectServing(app);
        expect(processAlive(unrelated.pid!)).toBe(true);
        await app.stop();
      } finally {
        unrelated.kill("SIGKILL");
      }
    },
  );

  it(
    "lets npm run stripe:reconcile and npm run worker share its PostgreSQL while it runs, and keeps running",
    { timeout: 120_000 },
    async () => {
      const app = await embeddedApp();
      const postgres = postgresProcesses();
      const env = withoutVitestVariables({
        ...process.env,
        DATABASE_URL: "",
        EMBEDDED_POSTGRES_DIR: dataDir,
        EMBEDDED_POSTGRES_PORT: String(pgPort),
        STRIPE_API_BASE: emulator.url,
        STRIPE_SECRET_KEY: emulator.secretKey,
        STRIPE_PUBLISHABLE_KEY: emulator.publishableKey,
        STRIPE_WEBHOOK_SECRET: emulator.webhookSecret,
      });
      delete (env as Record<string, string | undefined>).DATABASE_URL;
      const tsx = path.join(projectRoot, "node_modules/.bin/tsx");
      // Not execFileSync: the emulator answering it runs in this process.
      const reconcile = spawn(tsx, ["scripts/reconcile.ts"], {
        cwd: projectRoot,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      reconcile.stdout.on("data", (chunk) => (output += chunk));
      reconcile.stderr.on("data", (chunk) => (output += chunk));
      expect(await new Promise((resolve) => reconcile.on("exit", resolve)), output).toBe(0);
      expect(output).toMatch(/\[reconcile\] From .*: \d+ events, \d+ processed now, \d+ already done, 0 failed\./);
      // A separate worker process starts on the same queue, and stops cleanly on SIGINT.
      // As node itself runs it (the tsx CLI answers a signal with 130 whatever its child does).
      const worker = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
        cwd: projectRoot,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let workerOutput = "";
      worker.stdout.on("data", (chunk) => (workerOutput += chunk));
      worker.stderr.on("data", (chunk) => (workerOutput += chunk));
      const deadline = Date.now() + 30_000;
      while (!/\[worker\] Working/.test(workerOutput) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(workerOutput).toMatch(/\[worker\] Working/);
      worker.kill("SIGINT");
      expect(await new Promise((resolve) => worker.on("exit", resolve)), workerOutput).toBe(0);
      expect(workerOutput).toMatch(/Stopping: finishing the jobs in hand/);
      // npm start's PostgreSQL was shared, not stopped, and the app still serves.
      expect(postgres.filter(processAlive)).toEqual(postgres);
      await expectServing(app);
      await app.stop();
    },
  );
});
