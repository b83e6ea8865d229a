// The environment, parsed and validated once at start. The embedded defaults are for local development and tests
// only: in production the app refuses to start without real secrets.
import net from "node:net";
import { z } from "zod";

/** Values `npm start` uses when nothing is configured. Never acceptable in production. */
export const LOCAL_DEFAULTS = {
  SESSION_SECRET: "local-development-session-secret-not-for-production",
  STRIPE_SECRET_KEY: "sk_test_emulator",
  STRIPE_PUBLISHABLE_KEY: "pk_test_emulator",
  STRIPE_WEBHOOK_SECRET: "whsec_emulator_local_default",
} as const;

/** The sender `npm start` uses when MAIL_FROM is unset; a deployment that sends mail must set its own. */
export const LOCAL_MAIL_FROM = "Makers Market <no-reply@localhost>";

const percent = z.coerce
  .number({ invalid_type_error: "must be a number" })
  .min(0, "must be at least 0")
  .max(100, "must be at most 100");

const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** An address or CIDR range: `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`. */
function isAddressOrRange(entry: string) {
  const [address = "", prefix, extra] = entry.split("/");
  const family = net.isIP(address);
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * Which proxies in front of the app to believe about the client's address (`X-Forwarded-For`), in Express's terms:
 * off (the socket address is the client), a hop count ("1": one proxy, such as the TLS terminator), or a list of
 * proxy addresses and CIDR ranges (and Express's names loopback, linklocal, uniquelocal).
 */
const trustProxy = z
  .string()
  .default("off")
  .transform((value, ctx): false | number | string[] => {
    const text = value.trim().toLowerCase();
    if (text === "off" || text === "false" || text === "0") return false;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= 10) return hops;
    } else {
      const entries = text.split(",").map((entry) => entry.trim());
      if (entries.every((entry) => PROXY_NAMES.has(entry) || isAddressOrRange(entry))) return entries;
    }
    ctx.addIssue({
      code: "custom",
      message: 'must be "off", a hop count from 1 to 10, or a comma-separated list of proxy addresses or CIDR ranges',
    });
    return z.NEVER;
  });

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z
      .string({ required_error: "is required (or run `npm start`, which starts an embedded PostgreSQL)" })
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection string"),
    /** Connections each process keeps to PostgreSQL (requests, workers and the queue share them). */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").default(LOCAL_DEFAULTS.SESSION_SECRET),
    APP_URL: z.string().url("must be a full URL such as http://localhost:3000").default("http://localhost:3000"),
    PORT: z.coerce.number().int().min(1).max(65535).optional(),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_/, "must be a Stripe secret key (sk_test_… or sk_live_…)")
      .default(LOCAL_DEFAULTS.STRIPE_SECRET_KEY),
    STRIPE_PUBLISHABLE_KEY: z
      .string()
      .regex(/^pk_(test|live)_/, "must be a Stripe publishable key (pk_test_… or pk_live_…)")
      .default(LOCAL_DEFAULTS.STRIPE_PUBLISHABLE_KEY),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_/, "must be a webhook signing secret (whsec_…)")
      .default(LOCAL_DEFAULTS.STRIPE_WEBHOOK_SECRET),
    STRIPE_API_BASE: z.string().url("must be a URL such as http://127.0.0.1:12111").optional(),
    STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
    PLATFORM_FEE_PERCENT: percent.default(10),
    // "on": fees follow the creator's sales tier (15% / 10% / 5%, partners 2.5%); "off": PLATFORM_FEE_PERCENT for all.
    FEE_TIERS: z.enum(["on", "off"], { message: 'must be "on" or "off"' }).default("on"),
    UPLOADS_DIR: z.string().default("data/uploads"),
    // How long a member keeps access after a renewal payment fails (Stripe keeps retrying meanwhile).
    MEMBERSHIP_GRACE_DAYS: z.coerce.number().int().min(0).max(60).default(7),
    TRUST_PROXY: trustProxy,
    // How long a client may take to send its headers, a request body, and the product form's upload: a slow sender
    // cannot hold a connection.
    HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(15_000),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
    UPLOAD_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(900_000),
    // Background work (pg-boss): how often a failing Stripe event is retried before it is dead-lettered for staff, the
    // first retry's delay (it doubles each time, with jitter), and how many events each app process works at once.
    // The defaults retry 10 times over roughly 45 minutes; Stripe's own redelivery no longer applies (we answer 200).
    STRIPE_EVENT_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(10),
    STRIPE_EVENT_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(5),
    JOB_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
    // How long one attempt at a webhook event may run; past it (or when the process running it died) it counts as
    // failed and is retried. The queue checks for such attempts every JOB_MAINTENANCE_SECONDS.
    STRIPE_EVENT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(120),
    JOB_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
    // "on": this process works the queue (the default, workers inside the app); "off": it only enqueues, and a
    // separate `npm run worker` does the work.
    WORKERS: z.enum(["on", "off"], { message: 'must be "on" or "off"' }).default("on"),
    // Email: sent over SMTP by URL (smtp://user:pass@host:587, smtps://… for TLS from the start). `npm start` runs a
    // local SMTP server and sets it when unset. MAIL_DISABLED=true sends nothing (and writes no outbox rows).
    SMTP_URL: z
      .string()
      .regex(
        /^smtps?:\/\/[^/\s]+/,
        "must be an smtp:// or smtps:// URL such as smtp://user:password@smtp.example.com:587",
      )
      .optional(),
    MAIL_FROM: z
      .string()
      .max(320)
      .regex(
        /^([^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/,
        'must be an address, or a name and one: "Makers Market <no-reply@example.com>"',
      )
      .default(LOCAL_MAIL_FROM),
    MAIL_DISABLED: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).default("false"),
    // Where staff alerts are emailed (one address or a comma-separated list).
    STAFF_ALERTS_TO: z
      .string()
      .refine(
        (value) => value.split(",").every((address) => z.string().trim().email().safeParse(address).success),
        "must be an email address or a comma-separated list of them",
      )
      .optional(),
    // Delivery retries of one email (back-off doubling from the delay) before it is FAILED for staff to retry.
    MAIL_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(8),
    MAIL_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== "production") return;
    for (const [key, value] of Object.entries(LOCAL_DEFAULTS)) {
      if (env[key as keyof typeof LOCAL_DEFAULTS] === value)
        ctx.addIssue({ code: "custom", path: [key], message: "must be set to a real secret in production" });
    }
    if (env.STRIPE_API_BASE)
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_API_BASE"],
        message: "points Stripe at an emulator; it must not be set in production",
      });
    if (env.MAIL_DISABLED !== "true") {
      if (!env.SMTP_URL)
        ctx.addIssue({
          code: "custom",
          path: ["SMTP_URL"],
          message: "is required in production (or set MAIL_DISABLED=true to send no email at all)",
        });
      if (env.MAIL_FROM === LOCAL_MAIL_FROM)
        ctx.addIssue({
          code: "custom",
          path: ["MAIL_FROM"],
          message: "must be set to your sending address in production",
        });
    }
    if (!env.APP_URL.startsWith("https://"))
      ctx.addIssue({ code: "custom", path: ["APP_URL"], message: "must be an https:// URL in production" });
  });

export type Env = z.infer<typeof schema>;

export class InvalidEnvironmentError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  - ${issue.path.join(".") || "environment"} ${issue.message}`);
  throw new InvalidEnvironmentError(`Invalid environment:\n${lines.join("\n")}`);
}

let cached: Env | undefined;

/** The validated environment; parsed on first use (at server start) and cached. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Re-reads the environment (tests change it after start, for example to point at a fresh Stripe emulator). */
export function reloadEnv(): Env {
  cached = parseEnv(process.env);
  return cached;
}

/** Whether the app runs on the built-in local defaults (demo mode), which the UI shows as a banner. */
export function usesLocalStripe() {
  return Boolean(env().STRIPE_API_BASE);
}

/** Whether this deployment holds a live Stripe key: live events belong to it, test events do not (and the reverse). */
export function stripeLivemode() {
  return /^(sk|rk)_live_/.test(env().STRIPE_SECRET_KEY);
}

/** Whether email is switched off for this deployment (MAIL_DISABLED=true): nothing is queued or sent. */
export function mailDisabled() {
  return env().MAIL_DISABLED === "true";
}
