// The database client and the transaction rules for money.
//
// Isolation and locking (decision): transactions run at READ COMMITTED, PostgreSQL's default, and every
// read-modify-write of money takes a row lock first (`SELECT … FOR UPDATE` through `lockOrder`, `lockUser`), so two
// staff refunding one order, or a webhook and the success page fulfilling one checkout, run one after the other.
// Uniqueness (Stripe ids, event ids, idempotency keys) is enforced by unique indexes, never by a read-then-insert.
// Transactions that fail with a serialization failure or a deadlock (40001, 40P01) are retried with back-off.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "#app/generated/prisma/client.ts";
import { env } from "./env.server.ts";

export { Prisma };
export type Tx = Prisma.TransactionClient;

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient; prismaUrl?: string; pool?: pg.Pool };

/**
 * PostgreSQL text cannot hold a NUL character, and a query carrying one fails with an encoding error (a 500 to
 * whoever typed it). No text in this marketplace needs NUL, so every query parameter is stored without it.
 */
function withoutNul(value: unknown): unknown {
  if (typeof value === "string") return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  return value;
}

class NulSafeClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    // A connection that dies while checked out (PostgreSQL crashed or was killed between two queries of a transaction)
    // emits "error" on its client, and pg-pool listens only on idle ones: unheard, Node ends the process. So this
    // listener must exist, and it stays silent: the query running on the connection fails on its own (and is answered
    // and logged where it was asked), a client that failed is discarded when released, and an idle connection's death
    // is logged once, by the pool's listener in `createClient`.
    this.on("error", () => {});
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [config, values] = args;
    if (Array.isArray(values)) args[1] = values.map(withoutNul);
    else if (config && typeof config === "object" && Array.isArray(config.values))
      args[0] = { ...config, values: config.values.map(withoutNul) };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (super.query as any)(...args);
  }
}

/**
 * pg-pool throws a connection away whenever a query on it fails, even for an ordinary SQL error such as a unique
 * violation (an idempotent insert that lost a race). Reconnecting costs a full authentication; under load that halved
 * webhook ingestion. A connection that answered with a SQL error is healthy: give it back to the pool. Connection-level
 * failures (SQLSTATE classes 08 and 57, or no SQLSTATE) still discard it.
 */
class ReusingPool extends pg.Pool {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    if (typeof args[args.length - 1] === "function") return (super.query as any)(...args);
    return (async () => {
      const client = await this.connect();
      try {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const result = await (client.query as any)(...args);
        client.release();
        return result;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const healthy = typeof code === "string" && code.length === 5 && !/^(08|57)/.test(code);
        client.release(healthy ? undefined : (error as Error));
        throw error;
      }
    })();
  }
}

function createClient(url: string) {
  const pool = new ReusingPool({ connectionString: url, max: env().DATABASE_POOL_SIZE, Client: NulSafeClient });
  // An idle connection that dies (PostgreSQL crashed, restarted or was killed) emits "error" on the pool; unheard, Node
  // ends the process. The pool has already thrown that connection away, and the next query opens a new one.
  pool.on("error", (error) => console.warn(`[db] an idle database connection failed: ${error.message}`));
  globalForPrisma.pool = pool;
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}

/** The shared client. In development the instance survives module reloads. */
export function db(): PrismaClient {
  const url = env().DATABASE_URL;
  if (!globalForPrisma.prisma || globalForPrisma.prismaUrl !== url) {
    globalForPrisma.prisma = createClient(url);
    globalForPrisma.prismaUrl = url;
  }
  return globalForPrisma.prisma;
}

/**
 * The pool under the shared client, for the few callers that speak SQL to PostgreSQL directly: the job queue, which
 * enqueues inside our own transactions. Its connections have the same error handling and NUL stripping.
 */
export function databasePool(): pg.Pool {
  db();
  return globalForPrisma.pool!;
}

const RETRYABLE_CODES = new Set(["40001", "40P01", "P2034"]);

function isRetryable(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: string; meta?: { code?: string }; cause?: unknown; message?: string };
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  if (e.meta?.code && RETRYABLE_CODES.has(e.meta.code)) return true;
  if (typeof e.message === "string" && /could not serialize access|deadlock detected/i.test(e.message)) return true;
  return isRetryable(e.cause);
}

/** Runs `work` in one transaction, retrying on serialization failures and deadlocks. */
export async function transaction<T>(
  work: (tx: Tx) => Promise<T>,
  options: { isolationLevel?: Prisma.TransactionIsolationLevel; attempts?: number; timeoutMs?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db().$transaction(work, {
        isolationLevel: options.isolationLevel ?? Prisma.TransactionIsolationLevel.ReadCommitted,
        timeout: options.timeoutMs ?? 15_000,
        maxWait: 10_000,
      });
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/** Locks one order row until the transaction ends (refunds, disputes, fulfillment serialise on it). */
export async function lockOrder(tx: Tx, orderId: string) {
  await tx.$queryRaw`SELECT id FROM "orders" WHERE id = ${orderId} FOR UPDATE`;
}

/** Locks one user row until the transaction ends (checkout serialises a buyer's purchases on it). */
export async function lockUser(tx: Tx, userId: string) {
  await tx.$queryRaw`SELECT id FROM "users" WHERE id = ${userId} FOR UPDATE`;
}

/** True for a unique-constraint violation (an idempotent insert that lost a race). */
export function isUniqueViolation(error: unknown) {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

export async function databaseIsUp(): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  try {
    await db().$queryRaw`SELECT 1`;
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}
