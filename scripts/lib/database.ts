// Where the app's database comes from: DATABASE_URL when set (nothing is started), otherwise the embedded
// PostgreSQL under data/postgres (or EMBEDDED_POSTGRES_DIR) with a `marketplace` database.
import path from "node:path";
import { embeddedServerUrl, ensureDatabase, runningServerPort, startEmbeddedPostgres } from "./embedded-postgres.ts";

export const projectRoot = path.resolve(import.meta.dirname, "../..");
export const EMBEDDED_DATABASE = "marketplace";

/**
 * When another process (a running `npm start`) already serves the embedded data directory, scripts connect to its
 * server and leave it running when they stop (`shareRunning`, the default); `npm start` itself passes false.
 */
export async function acquireDatabase(options: { log?: (line: string) => void; shareRunning?: boolean } = {}) {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const dataDir = path.resolve(projectRoot, process.env.EMBEDDED_POSTGRES_DIR || "data/postgres");
  const runningPort = (options.shareRunning ?? true) ? runningServerPort(dataDir) : null;
  if (runningPort) {
    return { url: embeddedServerUrl(runningPort, EMBEDDED_DATABASE), embedded: true, stop: async () => {} };
  }
  const server = await startEmbeddedPostgres({
    dataDir,
    port: Number(process.env.EMBEDDED_POSTGRES_PORT) || 5433,
    persistent: true,
    log: options.log,
  });
  await ensureDatabase(server.adminUrl, EMBEDDED_DATABASE);
  return { url: server.urlFor(EMBEDDED_DATABASE), embedded: true, stop: () => server.stop() };
}
