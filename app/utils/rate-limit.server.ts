// Rate limits kept in PostgreSQL (rate-limiter-flexible's store), so every app process shares one count. A limit is
// taken before the work it protects: `consume` reserves a point atomically (one upsert), so however many requests
// race, at most `points` of them get through in a window.
import pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { env } from "./env.server.ts";

const TABLE = "rate_limits";

const globalForLimits = globalThis as unknown as { rateLimitPool?: pg.Pool; rateLimitPoolUrl?: string };

/** A small pool of its own: a limit check must not wait behind the app's busy queries. */
function storePool() {
  const url = env().DATABASE_URL;
  if (!globalForLimits.rateLimitPool || globalForLimits.rateLimitPoolUrl !== url) {
    void globalForLimits.rateLimitPool?.end().catch(() => {});
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle connection that the server closed (a restart, a dropped database) is replaced on next use.
    pool.on("error", () => {});
    globalForLimits.rateLimitPool = pool;
    globalForLimits.rateLimitPoolUrl = url;
  }
  return globalForLimits.rateLimitPool;
}

export interface RateLimit {
  /** Names the counter; keys of different limits never collide. */
  name: string;
  points: number;
  durationSeconds: number;
}

export type Reservation = { ok: true; consumed: number } | { ok: false; retryAfterSeconds: number; consumed: number };

const limiters = new Map<string, { pool: pg.Pool; limiter: RateLimiterPostgres }>();

function limiterFor(limit: RateLimit) {
  const pool = storePool();
  const cached = limiters.get(limit.name);
  if (cached?.pool === pool) return cached.limiter;
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    storeType: "pool",
    tableName: TABLE,
    tableCreated: true, // by the migration
    clearExpiredByTimeout: false, // expired rows are purged by the maintenance job
    keyPrefix: limit.name,
    points: limit.points,
    duration: limit.durationSeconds,
  });
  limiters.set(limit.name, { pool, limiter });
  return limiter;
}

/** Takes one point of `limit` for `key`; refused once the window's points are used up (or the key is blocked). */
export async function consume(limit: RateLimit, key: string): Promise<Reservation> {
  try {
    const result = await limiterFor(limit).consume(key);
    return { ok: true, consumed: result.consumedPoints };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes)
      return {
        ok: false,
        retryAfterSeconds: Math.ceil(rejection.msBeforeNext / 1000),
        consumed: rejection.consumedPoints,
      };
    throw rejection;
  }
}

/** Blocks `key` for `seconds` (a back-off after a limit was reached). */
export async function block(limit: RateLimit, key: string, seconds: number) {
  await limiterFor(limit).block(key, seconds);
}

/** Gives one point back (the request turned out fine). */
export async function refund(limit: RateLimit, key: string) {
  await limiterFor(limit).reward(key, 1);
}

/** Forgets `key`'s count (a successful login clears its failures). */
export async function forget(limit: RateLimit, key: string) {
  await limiterFor(limit).delete(key);
}

/** Closes the store's pool (scripts and tests that end their process). */
export async function closeRateLimits() {
  await globalForLimits.rateLimitPool?.end();
  globalForLimits.rateLimitPool = undefined;
  limiters.clear();
}
