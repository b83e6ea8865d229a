// Runs a command with DATABASE_URL pointing at the app's database (the embedded PostgreSQL when DATABASE_URL is
// not set), then stops what it started. Usage: tsx scripts/with-db.ts -- prisma migrate dev
import { spawn } from "node:child_process";
import { acquireDatabase } from "./lib/database.ts";

const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--"));
if (!args.length) {
  console.error("Usage: tsx scripts/with-db.ts -- <command> [args...]");
  process.exit(2);
}
const database = await acquireDatabase();
const child = spawn(args[0]!, args.slice(1), {
  stdio: "inherit",
  env: { ...process.env, DATABASE_URL: database.url },
  shell: false,
});
const code: number = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
await database.stop();
process.exit(code);
