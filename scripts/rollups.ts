// `npm run rollups:rebuild` recomputes the daily revenue rollups (per creator and platform-wide) from orders, refunds
// and disputes in one transaction; `npm run rollups:verify` recomputes them without writing and exits 1, printing
// the differing rows, when the stored rollups disagree with the raw data. Uses DATABASE_URL, else the embedded database.
import { acquireDatabase } from "./lib/database.ts";

const command = process.argv[2];
if (command !== "rebuild" && command !== "verify") {
  console.error("Usage: tsx scripts/rollups.ts rebuild|verify   (npm run rollups:rebuild / npm run rollups:verify)");
  process.exit(2);
}

const log = (line: string) => console.log(`[rollups] ${line}`);
const database = await acquireDatabase();
process.env.DATABASE_URL = database.url;
const { db, transaction } = await import("../app/utils/db.server.ts");
const { rebuildRollups, verifyRollups } = await import("../app/domain/revenue.server.ts");

let exitCode = 0;
try {
  const [counts] = await db().$queryRaw<{ orders: number; refunds: number; disputes: number }[]>`
    SELECT (SELECT COUNT(*) FROM "orders")::int AS orders, (SELECT COUNT(*) FROM "refunds")::int AS refunds,
      (SELECT COUNT(*) FROM "disputes")::int AS disputes`;
  log(`Raw data: ${counts!.orders} orders, ${counts!.refunds} refunds, ${counts!.disputes} disputes.`);
  const started = performance.now();
  if (command === "rebuild") {
    log("Locking the rollup tables and recomputing them from raw rows…");
    const result = await transaction((tx) => rebuildRollups(tx), { timeoutMs: 30 * 60_000, attempts: 1 });
    log(
      `Rebuilt ${result.dailyRows} daily rows and ${result.platformRows} platform rows in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
  } else {
    log("Recomputing the rollups from raw rows and comparing…");
    const differences = await transaction((tx) => verifyRollups(tx, { limit: 200 }), {
      timeoutMs: 30 * 60_000,
      attempts: 1,
      isolationLevel: "RepeatableRead",
    });
    if (differences.length === 0) {
      log(`Rollups agree with orders, refunds and disputes (${((performance.now() - started) / 1000).toFixed(1)} s).`);
    } else {
      exitCode = 1;
      log(`Rollups DISAGREE with raw data in ${differences.length} column(s) (at most 200 rows shown):`);
      console.table(differences);
      log("Run npm run rollups:rebuild to recompute them.");
    }
  }
} catch (error) {
  console.error(`[rollups] ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await db().$disconnect();
  await database.stop();
}
process.exit(exitCode);
