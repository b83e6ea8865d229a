// Background work on the job queue (app/utils/queue.server.ts), one entry point like routes and webhooks: each queue's
// worker calls the webhook layer or the domain. App processes start these by default (WORKERS=on); a deployment that
// wants them apart runs `npm run worker` and sets WORKERS=off on its web processes. Several processes on one database
// share the queues: pg-boss hands each job to one worker (SKIP LOCKED), and a cron slot fires once.
import { deliverEmail, markEmailFailed } from "#app/domain/email/outbox.server.ts";
import { purgeExpiredRecords } from "#app/domain/retention.server.ts";
import { env } from "#app/utils/env.server.ts";
import { queue, QUEUES, stopQueue, work } from "#app/utils/queue.server.ts";
import { markEventDead, requeueEventsWithoutJob, runStoredEvent } from "#app/webhooks/process.server.ts";
import { reconcileEvents } from "#app/webhooks/reconcile.server.ts";

/** When scheduled work runs (cron, UTC). */
export const SCHEDULES = {
  [QUEUES.reconcile]: "*/5 * * * *",
  [QUEUES.cleanUp]: "17 * * * *",
} as const;

interface EventJob {
  eventId: string;
}

interface EmailJob {
  emailId: string;
}

/** Emails delivered at once per process: SMTP is slow but cheap, and a provider limits parallel connections. */
const EMAIL_CONCURRENCY = 2;

/** `cleanUpNow`: also queue a clean-up at once (a process start), not only at the next hourly slot. */
export async function startWorkers(options: { log?: (line: string) => void; cleanUpNow?: boolean } = {}) {
  const log = options.log ?? (() => {});
  const boss = await queue();
  await work<EventJob>(QUEUES.stripeEvent, env().JOB_CONCURRENCY, ({ eventId }) => runStoredEvent(eventId));
  await work<EventJob>(QUEUES.stripeEventDead, 1, ({ eventId }) => markEventDead(eventId));
  await work<EmailJob>(QUEUES.email, EMAIL_CONCURRENCY, async ({ emailId }) => {
    await deliverEmail(emailId);
  });
  await work<EmailJob>(QUEUES.emailDead, 1, ({ emailId }) => markEmailFailed(emailId));
  await work(QUEUES.reconcile, 1, async () => {
    const requeued = await requeueEventsWithoutJob();
    if (requeued) log(`Re-queued ${requeued} stored events that had no job.`);
    const report = await reconcileEvents();
    if (report.processed || report.failed.length)
      log(
        `Reconciliation: ${report.seen} events listed, ${report.processed} processed, ${report.failed.length} failed.`,
      );
  });
  await work(QUEUES.cleanUp, 1, async () => {
    await purgeExpiredRecords();
  });
  for (const [name, cron] of Object.entries(SCHEDULES)) await boss.schedule(name, cron);
  if (options.cleanUpNow) await boss.send(QUEUES.cleanUp, {});
}

/** Lets the jobs in hand finish (up to `timeoutMs`), then stops fetching. */
export async function stopWorkers(timeoutMs?: number) {
  await stopQueue(timeoutMs);
}
