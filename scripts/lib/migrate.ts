import { spawn } from "node:child_process";
import path from "node:path";
import { installQueue } from "../../app/utils/queue.server.ts";
import { projectRoot } from "./database.ts";

/** Applies committed migrations (`prisma migrate deploy`) and pg-boss's schema and queues to the database at `url`. */
export async function applyMigrations(url: string, log: (line: string) => void = () => {}) {
  const prismaBin = path.join(projectRoot, "node_modules/.bin/prisma");
  let output = "";
  const code: number = await new Promise((resolve) => {
    const child = spawn(prismaBin, ["migrate", "deploy"], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    });
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`prisma migrate deploy failed:\n${output}`);
  const applied = /(\d+) migrations? found/.exec(output)?.[1];
  await installQueue(url);
  log(`Database migrations up to date${applied ? ` (${applied} in prisma/migrations)` : ""}; job queue installed.`);
}
