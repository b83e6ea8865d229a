// `npm run stripe:reconcile [-- --since 2026-11-01]`: processes Stripe events our webhook never received.
// Uses the app's environment (DATABASE_URL, STRIPE_SECRET_KEY, STRIPE_API_BASE); with nothing set, the embedded
// database and the local emulator on its default port.
import { parseArgs } from "node:util";
import { acquireDatabase } from "./lib/database.ts";

const { values } = parseArgs({ options: { since: { type: "string" } } });
const since = values.since ? new Date(values.since) : undefined;
if (since && Number.isNaN(since.getTime())) {
  console.error(`--since must be a date such as 2026-11-01, got "${values.since}"`);
  process.exit(2);
}
if (!process.env.STRIPE_SECRET_KEY && !process.env.STRIPE_API_BASE)
  process.env.STRIPE_API_BASE = `http://127.0.0.1:${process.env.STRIPE_EMULATOR_PORT || 12111}`;

const database = await acquireDatabase();
process.env.DATABASE_URL = database.url;
const { reconcileEvents } = await import("../app/webhooks/reconcile.server.ts");
const { db } = await import("../app/utils/db.server.ts");
let exitCode = 0;
try {
  console.log(
    `[reconcile] Listing Stripe events${since ? ` since ${since.toISOString()}` : " since the last processed one"}…`,
  );
  const report = await reconcileEvents({ since, onProgress: (line) => console.log(`[reconcile] ${line}`) });
  console.log(
    `[reconcile] From ${report.since.toISOString()}: ${report.seen} events, ${report.processed} processed now, ` +
      `${report.alreadyDone} already done, ${report.failed.length} failed.`,
  );
  for (const failure of report.failed)
    console.log(`[reconcile]   failed ${failure.type} ${failure.id}: ${failure.error}`);
  if (report.failed.length) exitCode = 1;
} catch (error) {
  console.error(`[reconcile] ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await db().$disconnect();
  await database.stop();
}
process.exit(exitCode);
