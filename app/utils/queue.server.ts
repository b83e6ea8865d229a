// The job queue: pg-boss on our own PostgreSQL (decision 015), so background work needs no other service and a job
// can be enqueued in the same transaction as the row it is about.
//
// pg-boss speaks SQL through the app's own pool (`databasePool`), whose connections survive PostgreSQL dying, strip NUL
// bytes and are counted once. Each process holds one started instance; app processes also run workers on it (see
// app/jobs/), scripts only send.
import crypto from "node:crypto";
import PgBoss from "pg-boss";
import type pg from "pg";
import { databasePool, type Tx } from "./db.server.ts";
import { env, parseEnv, type Env } from "./env.server.ts";

export const QUEUES = {
  /** One job per stored Stripe event that still needs its handler run. */
  stripeEvent: "stripe-event",
  /** Where `stripeEvent` jobs go after their last retry: staff see the event as dead and get an alert. */
  stripeEventDead: "stripe-event-dead",
  /** Every few minutes: list events from Stripe since our cursor and process what is missing. */
  reconcile: "reconcile-events",
  /** Hourly: purge records past their retention. */
  cleanUp: "clean-up",
  /** One job per outbox email (`emails` row) waiting to be delivered over SMTP. */
  email: "email",
  /** Where `email` jobs go after their last retry: the email is marked FAILED for staff to retry. */
  emailDead: "email-dead",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const statementNames = new Map<string, string>();

/**
 * A name for a statement the app runs over and over (the queue's send, fetch and complete; storing a webhook event):
 * PostgreSQL parses and plans a named statement once per connection, where an unnamed one is planned on every run.
 * The name is the text's hash, not a counter: two copies of this module (the server build's and a script's) share
 * the pool's connections, and one name must never stand for two statements on a connection.
 */
export function preparedStatementName(text: string): string {
  let name = statementNames.get(text);
  if (!name)
    statementNames.set(text, (name = `app_${crypto.createHash("sha256").update(text).digest("hex").slice(0, 32)}`));
  return name;
}

/** pg-boss's SQL runner over a pool, or over one client inside a transaction; its parametrised statements prepared. */
export function sqlRunner(connection: pg.Pool | pg.PoolClient): PgBoss.Db {
  return {
    executeSql: (text, values) =>
      values?.length
        ? connection.query({ name: preparedStatementName(text), text, values })
        : connection.query(text, values),
  };
}

/** pg-boss's SQL over a Prisma transaction, so a job is enqueued (or cancelled) with the rows it is about. */
export function prismaSqlRunner(tx: Tx): PgBoss.Db {
  return {
    async executeSql(text, values = []) {
      const params = values.map((value: unknown) =>
        value === undefined
          ? null
          : value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)
            ? JSON.stringify(value)
            : value,
      );
      return { rows: await tx.$queryRawUnsafe<unknown[]>(text, ...params) };
    },
  };
}

function queueDefinitions(config: Env): PgBoss.Queue[] {
  return [
    { name: QUEUES.stripeEventDead, policy: "standard", retentionDays: 30 },
    {
      name: QUEUES.stripeEvent,
      // At most one queued job per event (the singleton key is the event id): a redelivery while one waits is a no-op.
      policy: "stately",
      retryLimit: config.STRIPE_EVENT_RETRY_LIMIT,
      retryDelay: config.STRIPE_EVENT_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      expireInSeconds: config.STRIPE_EVENT_TIMEOUT_SECONDS,
      deadLetter: QUEUES.stripeEventDead,
    },
    { name: QUEUES.emailDead, policy: "standard", retentionDays: 30 },
    {
      name: QUEUES.email,
      // At most one waiting job per email (the singleton key is the email's id).
      policy: "stately",
      retryLimit: config.MAIL_RETRY_LIMIT,
      retryDelay: config.MAIL_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      // One SMTP conversation; the transport gives up well before this.
      expireInSeconds: 5 * 60,
      deadLetter: QUEUES.emailDead,
    },
    { name: QUEUES.reconcile, policy: "singleton", retryLimit: 0, expireInSeconds: 30 * 60 },
    { name: QUEUES.cleanUp, policy: "singleton", retryLimit: 0, expireInSeconds: 30 * 60 },
  ];
}

/** Creates the queues, or updates their retry settings to this environment's. Idempotent. */
async function defineQueues(boss: PgBoss, config: Env) {
  const existing = new Set((await boss.getQueues()).map((queue) => queue.name));
  for (const { name, ...options } of queueDefinitions(config)) {
    // An update writes every setting, the policy included (left out, pg-boss resets it to "standard").
    if (existing.has(name)) await boss.updateQueue(name, { name, ...options });
    else await boss.createQueue(name, { name, ...options });
  }
}

const globalForQueue = globalThis as unknown as {
  queue?: Promise<PgBoss>;
  queueUrl?: string;
  workers?: Map<string, { boss: PgBoss; ids: string[] }>;
  rejectionGuard?: boolean;
};

/**
 * pg-boss 10 completes or fails a finished job without awaiting it: with PostgreSQL gone at that moment the rejection
 * is unhandled, and Node ends the process. Such a job is retried once it expires; the process must live on. Any other
 * unhandled rejection still ends the process, as Node's default does.
 */
function surviveQueueBookkeepingFailures() {
  if (globalForQueue.rejectionGuard || process.env.VITEST) return;
  globalForQueue.rejectionGuard = true;
  process.on("unhandledRejection", (reason) => {
    if (reason instanceof Error && /[\\/]pg-boss[\\/]/.test(reason.stack ?? "")) {
      console.warn(`[queue] a job's completion was not recorded (retried when it expires): ${reason.message}`);
      return;
    }
    throw reason;
  });
}

/**
 * This process's started queue. pg-boss installs or migrates its own schema on the first start (under an advisory
 * lock, so several processes may start at once), supervises maintenance and runs cron schedules.
 */
export function queue(): Promise<PgBoss> {
  const url = env().DATABASE_URL;
  if (!globalForQueue.queue || globalForQueue.queueUrl !== url) {
    globalForQueue.queueUrl = url;
    surviveQueueBookkeepingFailures();
    globalForQueue.queue = (async () => {
      const boss = new PgBoss({
        db: sqlRunner(databasePool()),
        schedule: true,
        supervise: true,
        migrate: true,
        maintenanceIntervalSeconds: env().JOB_MAINTENANCE_SECONDS,
      });
      boss.on("error", (error) => console.warn(`[queue] ${error.message}`));
      await boss.start();
      await defineQueues(boss, env());
      return boss;
    })();
    globalForQueue.queue.catch(() => (globalForQueue.queue = undefined));
  }
  return globalForQueue.queue;
}

/**
 * Starts `count` workers on `name` in this process, each working one job at a time. A job is done when `work`
 * resolves; a throw fails it, and pg-boss retries it by the queue's settings.
 */
export async function work<Data extends object>(name: QueueName, count: number, run: (data: Data) => Promise<void>) {
  const boss = await queue();
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const worker: { id?: string } = {};
    worker.id = await boss.work<Data>(name, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      if (!job) return;
      try {
        await run(job.data);
      } finally {
        // pg-boss waits out the polling interval after every fetch unless told otherwise: one job a second per
        // worker. A worker that just finished one looks for the next at once; an empty fetch waits the interval.
        if (worker.id) boss.notifyWorker(worker.id);
      }
    });
    ids.push(worker.id);
  }
  globalForQueue.workers ??= new Map();
  globalForQueue.workers.set(name, { boss, ids: [...(globalForQueue.workers.get(name)?.ids ?? []), ...ids] });
}

/** Wakes this process's idle workers on `name` now, instead of at their next poll (a job was just enqueued here). */
export function notifyWorkers(name: QueueName) {
  const workers = globalForQueue.workers?.get(name);
  for (const id of workers?.ids ?? []) workers!.boss.notifyWorker(id);
}

/** Stops this process's queue: workers finish the job in hand (up to `timeoutMs`), nothing new is fetched. */
export async function stopQueue(timeoutMs = 10_000) {
  const started = globalForQueue.queue;
  if (!started) return;
  globalForQueue.queue = undefined;
  globalForQueue.workers?.clear();
  const boss = await started.catch(() => undefined);
  if (!boss) return;
  await boss.stop({ graceful: true, wait: true, timeout: timeoutMs }).catch(() => {});
}

/**
 * Installs pg-boss's schema and our queues in the database at `url` (migrations at start, the test template). Its
 * own short-lived connection, so it can run before the app's client exists.
 */
export async function installQueue(url: string) {
  const boss = new PgBoss({ connectionString: url, max: 2, schedule: false, supervise: false, migrate: true });
  boss.on("error", () => {});
  await boss.start();
  try {
    await defineQueues(boss, parseEnv({ ...process.env, DATABASE_URL: url }));
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}
