// Starts the built app as its own process on a free port (as `npm start` would, against the test file's database),
// for browser and fault tests. The Stripe emulator comes up with it unless Stripe keys are passed in `env`.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../scripts/lib/embedded-postgres.ts";
import { projectRoot } from "../../scripts/lib/database.ts";
import { processAlive, waitForExit } from "../../scripts/lib/processes.ts";

export interface TestApp {
  url: string;
  port: number;
  output(): string;
  /** The app's process id (`scripts/start.ts`). */
  pid(): number;
  /** Whether the app process still runs. */
  alive(): boolean;
  /** Kills the process at once (SIGKILL), as a crash would. */
  crash(): Promise<void>;
  /** Kills the app's whole process group at once (SIGKILL): the app and what it started (`ownProcessGroup` only). */
  crashGroup(): Promise<void>;
  /** Kills the process the app runs under (SIGKILL), as when `npm` or a terminal dies (`underParent` only). */
  killParent(): Promise<void>;
  /** Starts the process again on the same port with the same environment. */
  restart(): Promise<void>;
  /** Stops the app as a user would (SIGTERM by default, SIGINT for Ctrl-C) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Removes vitest's variables from a child process's environment: the app (or a script) is a process of its own, not
 * part of the test run, and VITEST would switch off the queue's guard that keeps it alive when PostgreSQL dies while
 * pg-boss records a job (app/utils/queue.server.ts).
 */
export function withoutVitestVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  for (const key of Object.keys(env)) if (key.startsWith("VITEST")) delete env[key];
  return env;
}

export async function startTestApp(options: {
  /** The app's database; without one, `npm start` runs its embedded PostgreSQL (set EMBEDDED_POSTGRES_DIR in `env`). */
  databaseUrl?: string;
  env?: Record<string, string>;
  port?: number;
  /** Runs the app under a shell of its own (a process group of its own too), so a test can kill that parent. */
  underParent?: boolean;
  /** Runs the app in a process group of its own, so a test can kill the whole group. */
  ownProcessGroup?: boolean;
}): Promise<TestApp> {
  const port = options.port ?? (await freePort());
  const appUrl = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "development",
    APP_URL: appUrl,
    PORT: String(port),
    STRIPE_EMULATOR_PORT: "0",
    ...options.env,
  };
  withoutVitestVariables(env);
  // The app runs its own local mail server, as `npm start` does (the test file's is for its in-process mail).
  if (!options.env?.SMTP_URL) delete env.SMTP_URL;
  env.LOCAL_SMTP_PORT ??= "0";
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const command = [process.execPath, "--import", "tsx", path.join(projectRoot, "scripts/start.ts")];
  const args = ["--no-build", "--ephemeral"];
  let child: ChildProcess;
  let appPid = 0;
  let output = "";

  async function launch() {
    output = "";
    const detached = Boolean(options.underParent || options.ownProcessGroup);
    child = options.underParent
      ? // The shell prints the app's pid, then waits for it: killing the shell leaves the app without its parent.
        spawn("/bin/sh", ["-c", '"$@" & echo "app pid $!"; wait', "sh", ...command, ...args], {
          cwd: projectRoot,
          env,
          detached,
          stdio: ["ignore", "pipe", "pipe"],
        })
      : spawn(command[0]!, [...command.slice(1), ...args], {
          cwd: projectRoot,
          env,
          detached,
          stdio: ["ignore", "pipe", "pipe"],
        });
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`The app exited during start:\n${output}`);
      if (output.includes("is running at")) break;
      if (Date.now() > deadline) throw new Error(`The app did not start within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    appPid = options.underParent ? Number(/app pid (\d+)/.exec(output)![1]) : child.pid!;
  }

  async function end(signal: NodeJS.Signals) {
    if (!processAlive(appPid)) return;
    process.kill(appPid, signal);
    if (!(await waitForExit(appPid, 60_000))) throw new Error(`The app did not exit after ${signal}:\n${output}`);
  }

  await launch();
  return {
    url: appUrl,
    port,
    output: () => output,
    pid: () => appPid,
    alive: () => processAlive(appPid),
    crash: () => end("SIGKILL"),
    async crashGroup() {
      if (!options.underParent && !options.ownProcessGroup) throw new Error("Not in a process group of its own");
      process.kill(-child.pid!, "SIGKILL");
      await waitForExit(appPid, 10_000);
    },
    async killParent() {
      if (!options.underParent) throw new Error("The app was not started under a parent of its own");
      child.kill("SIGKILL");
      await waitForExit(child.pid!, 10_000);
    },
    restart: launch,
    stop: (signal = "SIGTERM") => end(signal),
  };
}
