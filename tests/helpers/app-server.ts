// Starts the built app as its own process on a free port (as `npm start` would, against the test file's database),
// for browser and fault tests. The Stripe emulator comes up with it unless Stripe keys are passed in `env`.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../scripts/lib/embedded-postgres.ts";
import { projectRoot } from "../../scripts/lib/database.ts";

export interface TestApp {
  url: string;
  port: number;
  output(): string;
  /** Kills the process at once (SIGKILL), as a crash would. */
  crash(): Promise<void>;
  /** Starts the process again on the same port with the same environment. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestApp(options: {
  databaseUrl: string;
  env?: Record<string, string>;
  port?: number;
}): Promise<TestApp> {
  const port = options.port ?? (await freePort());
  const appUrl = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "development",
    DATABASE_URL: options.databaseUrl,
    APP_URL: appUrl,
    PORT: String(port),
    STRIPE_EMULATOR_PORT: "0",
    ...options.env,
  };
  let child: ChildProcess;
  let output = "";

  async function launch() {
    output = "";
    child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(projectRoot, "scripts/start.ts"), "--no-build", "--ephemeral"],
      {
        cwd: projectRoot,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`The app exited during start:\n${output}`);
      if (output.includes("is running at")) break;
      if (Date.now() > deadline) throw new Error(`The app did not start within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function end(signal: NodeJS.Signals) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  await launch();
  return {
    url: appUrl,
    port,
    output: () => output,
    crash: () => end("SIGKILL"),
    restart: launch,
    stop: () => end("SIGTERM"),
  };
}
