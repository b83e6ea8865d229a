// Before each test file: a fresh database created from the migrated template, so files never see each other's rows;
// and a failure on any console.error the test did not expect.
import { afterAll, afterEach, beforeEach, inject, vi } from "vitest";
import { createTestDatabase } from "../helpers/database.ts";

const database = await createTestDatabase(inject("databaseAdminUrl"), inject("templateDatabase"));
process.env.DATABASE_URL = database.url;
process.env.NODE_ENV = "test";
// A failing Stripe event is retried quickly and dead-lettered after 3 retries (1 s, then doubling), so tests settle.
process.env.STRIPE_EVENT_RETRY_LIMIT ??= "3";
process.env.STRIPE_EVENT_RETRY_DELAY_SECONDS ??= "1";
// Email goes over real SMTP to this file's own local mail server (tests/helpers/mail.ts); a failing delivery is
// retried after 1 s, doubling, and FAILED after 3 retries.
process.env.MAIL_RETRY_LIMIT ??= "3";
process.env.MAIL_RETRY_DELAY_SECONDS ??= "1";
delete process.env.MAIL_DISABLED;
const { startMailServer, stopMailServer } = await import("../helpers/mail.ts");
process.env.SMTP_URL = (await startMailServer()).url;

let expectedConsoleErrors = 0;
/** Lets the current test log up to `count` console errors (for code paths that must log one). */
export function expectConsoleErrors(count = 1) {
  expectedConsoleErrors += count;
}

let consoleErrors: unknown[][] = [];
beforeEach(() => {
  consoleErrors = [];
  expectedConsoleErrors = 0;
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    consoleErrors.push(args);
  });
});

afterEach(() => {
  vi.mocked(console.error).mockRestore();
  if (consoleErrors.length > expectedConsoleErrors) {
    throw new Error(`Unexpected console.error:\n${consoleErrors.map((args) => args.map(String).join(" ")).join("\n")}`);
  }
});

afterAll(async () => {
  const { db } = await import("#app/utils/db.server.ts");
  const { closeRateLimits } = await import("#app/utils/rate-limit.server.ts");
  const { stopQueue } = await import("#app/utils/queue.server.ts");
  await stopQueue();
  await stopMailServer();
  await Promise.all([db().$disconnect(), closeRateLimits()]);
  await database.drop();
});
