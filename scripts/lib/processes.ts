// What a process id stands for now: alive or not, its parent, its children, its command line. Read from /proc on
// Linux, from `ps` elsewhere. A pid in a file from an earlier run may since have died, stayed a zombie (nobody reaped
// it) or been reused by an unrelated process; these tell the cases apart.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

const hasProc = fs.existsSync("/proc/self/stat");

/** `/proc/<pid>/stat` after the command name (which may hold spaces and parentheses): state, ppid, pgrp, … */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

function ps(pid: number, field: string): string | null {
  try {
    return execFileSync("ps", ["-o", `${field}=`, "-p", String(pid)], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped) is not alive. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (hasProc) {
    const fields = statFields(pid);
    return fields !== null && fields[0] !== "Z" && fields[0] !== "X";
  }
  const state = ps(pid, "stat");
  return state !== null && !state.startsWith("Z");
}

/** The parent of a live `pid`, or null. */
export function parentOf(pid: number): number | null {
  if (!processAlive(pid)) return null;
  const ppid = hasProc ? statFields(pid)?.[1] : ps(pid, "ppid");
  return ppid ? Number(ppid) : null;
}

/** The command line of a live `pid` (arguments joined by spaces), or null. */
export function commandLine(pid: number): string | null {
  if (!processAlive(pid)) return null;
  if (hasProc) {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
      return null;
    }
  }
  return ps(pid, "command");
}

/** The working directory of a live `pid` (Linux only, and only where we may read it; elsewhere null). */
export function workingDirectory(pid: number): string | null {
  if (!hasProc || !processAlive(pid)) return null;
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** The live children of `pid` (Linux only; elsewhere an empty list). */
export function childrenOf(pid: number): number[] {
  if (!hasProc) return [];
  return fs
    .readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => statFields(child)?.[1] === String(pid) && processAlive(child));
}

/** Waits until `pid` is gone; false when it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
