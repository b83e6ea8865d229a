// Starts the built app as its own process on a free port (as `npm start` would, against the test file's database),
// for browser tests. The Stripe emulator comes up with it unless `stripe: false`.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../scripts/lib/embedded-postgres.ts";
import { projectRoot } from "../../scripts/lib/database.ts";

export async function startTestApp(options: { databaseUrl: string; env?: Record<string, string> }) {
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(projectRoot, "scripts/start.ts"), "--no-build", "--ephemeral"],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        NODE_ENV: "development",
        DATABASE_URL: options.databaseUrl,
        APP_URL: appUrl,
        PORT: String(port),
        STRIPE_EMULATOR_PORT: "0",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The app exited during start:\n${output}`);
    if (output.includes("is running at")) break;
    if (Date.now() > deadline) throw new Error(`The app did not start within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: appUrl,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
