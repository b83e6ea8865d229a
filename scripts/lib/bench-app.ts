// Shared by the benchmark scripts: the app as a child process (scripts/start.ts --no-build, as `npm start` runs it),
// its peak memory from /proc, and session cookies for users made straight in the database.
import { createCookieSessionStorage } from "@remix-run/node";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { LOCAL_DEFAULTS } from "../../app/utils/env.server.ts";
import { projectRoot } from "./database.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the app and waits until it serves. The child is node itself (tsx as a loader), and start.ts serves from that
 * same process: its pid is the server's. Stopping it is pushed onto `cleanups`.
 */
export async function startAppProcess(options: {
  env: NodeJS.ProcessEnv;
  cleanups: (() => Promise<void>)[];
  nodeArgs?: string[];
}): Promise<{ child: ChildProcess; output: () => string }> {
  let output = "";
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      "--import",
      "tsx",
      path.join(projectRoot, "scripts/start.ts"),
      "--no-build",
      "--ephemeral",
    ],
    { cwd: projectRoot, env: options.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (chunk) => (output = (output + chunk).slice(-200_000)));
  child.stderr!.on("data", (chunk) => (output = (output + chunk).slice(-200_000)));
  options.cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The app exited during start:\n${output}`);
    if (output.includes("is running at")) break;
    if (Date.now() > deadline) throw new Error(`The app did not start within 90 s:\n${output}`);
    await sleep(100);
  }
  return { child, output: () => output };
}

export function procStatusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Peak memory of a process from now until `stopMb()`: VmRSS sampled every 100 ms, and VmHWM after resetting it
 * (writing 5 to /proc/<pid>/clear_refs resets the high-water mark; when that is not allowed, samples only).
 */
export function memoryProbe(pid: number) {
  let hwmReset = false;
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
    hwmReset = true;
  } catch {}
  let peak = procStatusKb(pid, "VmRSS");
  const timer = setInterval(() => (peak = Math.max(peak, procStatusKb(pid, "VmRSS"))), 100);
  return {
    stopMb() {
      clearInterval(timer);
      if (hwmReset) peak = Math.max(peak, procStatusKb(pid, "VmHWM"));
      return Math.round((peak / 1024) * 10) / 10;
    },
  };
}

/** The session cookie the app would set for a `sessions` row (same secret as the app's). */
export function sessionCookies(secret = process.env.SESSION_SECRET || LOCAL_DEFAULTS.SESSION_SECRET) {
  const storage = createCookieSessionStorage<{ sessionId: string }>({
    cookie: { name: "__session", secrets: [secret], path: "/" },
  });
  return async (sessionId: string) => {
    const session = await storage.getSession();
    session.set("sessionId", sessionId);
    return (await storage.commitSession(session)).split(";")[0]!;
  };
}
