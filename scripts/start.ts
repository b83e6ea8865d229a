// `npm start`: builds if needed, starts the database (embedded PostgreSQL unless DATABASE_URL is set), applies
// migrations, seeds demo data into an empty database, starts a local mail server unless SMTP_URL is set and the
// Stripe emulator unless real Stripe keys are set, and serves the app on APP_URL. Ctrl-C stops everything it started.
import fs from "node:fs";
import path from "node:path";
import { buildIfNeeded } from "./lib/build.ts";
import { acquireDatabase, projectRoot } from "./lib/database.ts";
import { applyMigrations } from "./lib/migrate.ts";

const log = (line: string) => console.log(`[start] ${line}`);
const dev = process.argv.includes("--dev");
// For tests: the build is made beforehand, and the emulator keeps no snapshot on disk.
const skipBuild = dev || process.argv.includes("--no-build");
const ephemeral = process.argv.includes("--ephemeral");
const cleanups: (() => Promise<void>)[] = [];

async function shutdown(code = 0) {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(e));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  if (!skipBuild) buildIfNeeded(log);

  const database = await acquireDatabase({ shareRunning: false });
  cleanups.push(database.stop);
  process.env.DATABASE_URL = database.url;
  log(database.embedded ? "Embedded PostgreSQL running (data in data/postgres)." : "Using DATABASE_URL.");
  await applyMigrations(database.url, log);

  const appUrl = process.env.APP_URL || "http://localhost:3000";
  process.env.APP_URL = appUrl;
  const port = Number(process.env.PORT) || Number(new URL(appUrl).port) || 3000;

  // Email: unless SMTP_URL is set (a real provider) or mail is disabled, a local SMTP server in this process receives
  // what the app sends, and /dev/inbox shows it.
  let localInbox = false;
  if (!process.env.SMTP_URL && process.env.MAIL_DISABLED !== "true" && process.env.NODE_ENV !== "production") {
    const { startLocalSmtpServer } = await import("../app/utils/local-smtp.server.ts");
    const wanted = process.env.LOCAL_SMTP_PORT ? Number(process.env.LOCAL_SMTP_PORT) : 2525;
    const mail = await startLocalSmtpServer({ port: wanted }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") throw error;
      log(`Port ${wanted} is taken: the local mail server takes any free port.`);
      return startLocalSmtpServer({ port: 0 });
    });
    cleanups.push(mail.close);
    process.env.SMTP_URL = mail.url;
    localInbox = true;
    log(`Local mail server on ${mail.url} (what it receives is at ${appUrl}/dev/inbox).`);
  }

  // Real Stripe keys configured: use Stripe. Otherwise the local emulator, with its webhooks pointed at us, signed
  // with the STRIPE_WEBHOOK_SECRET the user set (if any: a value that is set is never replaced).
  if (!process.env.STRIPE_SECRET_KEY) {
    const emulatorModule = path.join(projectRoot, "scripts/stripe-emulator/server.ts");
    if (fs.existsSync(emulatorModule)) {
      const { startStripeEmulator } = await import(emulatorModule);
      const emulator = await startStripeEmulator({
        port: process.env.STRIPE_EMULATOR_PORT ? Number(process.env.STRIPE_EMULATOR_PORT) : 12111,
        snapshotFile: ephemeral ? null : path.join(projectRoot, "data/stripe-emulator.json"),
        webhookUrl: `${appUrl}/api/webhooks/stripe`,
        webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || undefined,
      });
      cleanups.push(() => emulator.close());
      process.env.STRIPE_API_BASE = emulator.url;
      process.env.STRIPE_SECRET_KEY = emulator.secretKey;
      process.env.STRIPE_PUBLISHABLE_KEY = emulator.publishableKey;
      process.env.STRIPE_WEBHOOK_SECRET = emulator.webhookSecret;
      log(`Stripe emulator on ${emulator.url} (webhooks → ${appUrl}/api/webhooks/stripe).`);
    } else {
      log("Stripe emulator not available: running without payments.");
    }
  }

  // Validate the environment before serving: a bad value stops here with a clear message.
  const { env } = await import("../app/utils/env.server.ts");
  const production = env().NODE_ENV === "production";

  const { seedDemoData, connectDemoCreator, refuseDemoAccounts, DEMO_LOGINS } = await import("../prisma/seed.ts");
  // A deployment never gets demo data, and refuses to serve while a demo account (published password) exists.
  if (production) await refuseDemoAccounts();
  else await seedDemoData(log);
  if (process.env.STRIPE_API_BASE) await connectDemoCreator(process.env.STRIPE_API_BASE, appUrl, log);

  // Background work (webhook events, reconciliation every 5 minutes, hourly clean-up) runs in this process unless
  // WORKERS=off, for a deployment that runs `npm run worker` apart.
  if (env().WORKERS === "on") {
    const { startWorkers, stopWorkers } = await import("../app/jobs/workers.server.ts");
    await startWorkers({ log, cleanUpNow: true });
    cleanups.push(() => stopWorkers());
    log(`Background workers running (${env().JOB_CONCURRENCY} for webhook events).`);
  } else log("WORKERS=off: background work is left to `npm run worker`.");

  const { createAppServer } = await import("./server.ts");
  const server = await createAppServer({ port, appUrl, dev });
  cleanups.unshift(server.close);

  console.log(`\n  Makers Market is running at ${appUrl}\n`);
  if (!production) {
    console.log("  Demo logins:");
    for (const login of DEMO_LOGINS)
      console.log(`    ${login.role.padEnd(8)} ${login.email.padEnd(22)} ${login.password}`);
    console.log(
      localInbox
        ? `\n  Inbox (every email the app sends): ${appUrl}/dev/inbox`
        : env().MAIL_DISABLED === "true"
          ? "\n  Email is disabled (MAIL_DISABLED=true)."
          : "\n  Email goes to SMTP_URL.",
    );
  }
  console.log("\n  Press Ctrl-C to stop.\n");
} catch (error) {
  console.error(`\n[start] ${(error as Error).message}\n`);
  await shutdown(1);
}
