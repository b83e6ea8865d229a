// `npm test`: every test (unit, integration, Stripe emulator, browser) in one Vitest run against the built app,
// ending with one summary line. Fails early, with the fix, when Chromium is missing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./lib/database.ts";

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!fs.existsSync(chromium)) {
  console.error(
    `Chromium was not found at ${chromium}; the browser tests need it.\n` +
      "Install it with:  sudo apt-get install -y chromium   (or set CHROMIUM_PATH to a Chromium binary)",
  );
  process.exit(1);
}

const extraArgs = process.argv.slice(2);
console.log("[test] Building the app for the browser tests…");
const build = spawnSync("npx", ["remix", "vite:build", "--logLevel", "warn"], { cwd: projectRoot, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const report = path.join(projectRoot, "data/test-report.json");
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.rmSync(report, { force: true });
const run = spawnSync(
  "npx",
  ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extraArgs],
  { cwd: projectRoot, stdio: "inherit" },
);

let summary = "0 passed, 1 failed";
if (fs.existsSync(report)) {
  const result = JSON.parse(fs.readFileSync(report, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  const skipped = result.numPendingTests + result.numTodoTests;
  summary = `${result.numPassedTests} passed, ${result.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`;
}
console.log(`\n${summary}`);
process.exit(run.status ?? 1);
