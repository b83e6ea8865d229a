// The shared database client when one of its connections dies: the process lives on, the failure is logged once,
// and the next query opens a new connection.
import pg from "pg";
import { expect, test, vi } from "vitest";
import { db } from "#app/utils/db.server.ts";

test("an idle connection killed by PostgreSQL is logged once, and the next query reconnects", async () => {
  const [{ pid }] = await db().$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
  } finally {
    await admin.end();
  }
  await vi.waitFor(() => expect(warn).toHaveBeenCalled(), { timeout: 5_000 });
  await new Promise((resolve) => setTimeout(resolve, 200)); // room for a second message, if there were one

  const warnings = warn.mock.calls.map((args) => args.map(String).join(" "));
  warn.mockRestore();
  expect(warnings).toEqual([expect.stringMatching(/^\[db\] an idle database connection failed: /)]);
  const [{ again }] = await db().$queryRaw<{ again: number }[]>`SELECT pg_backend_pid() AS again`;
  expect(again).not.toBe(pid);
});
