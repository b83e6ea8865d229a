import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./database.ts";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the app when build/ is missing or older than app/, public/ or vite.config.ts (npm start and benchmarks). */
export function buildIfNeeded(log: (line: string) => void, options: { quiet?: boolean } = {}) {
  const serverBuild = path.join(projectRoot, "build/server/index.js");
  const sources = ["app", "public"].map((d) => path.join(projectRoot, d)).filter((d) => fs.existsSync(d));
  const sourceTime = Math.max(
    ...sources.map(newestMtime),
    fs.statSync(path.join(projectRoot, "vite.config.ts")).mtimeMs,
  );
  if (fs.existsSync(serverBuild) && fs.statSync(serverBuild).mtimeMs >= sourceTime) return;
  log("Building the app (build/ missing or older than the sources)…");
  const result = spawnSync("npx", ["remix", "vite:build"], {
    cwd: projectRoot,
    stdio: options.quiet ? ["ignore", "ignore", "inherit"] : "inherit",
  });
  if (result.status !== 0) throw new Error("Build failed.");
}
