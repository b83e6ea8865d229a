// Recovery for webhooks that never arrived or never succeeded: list events from Stripe since our cursor (minus an
// overlap), the platform's and each connected account's own (account.updated, payouts), and run the ones we are missing or have not processed through the same store → process path as the
// webhook. Scheduled every few minutes (app/jobs/) and runnable by hand (`npm run stripe:reconcile`), beside a running
// app too: handlers are idempotent and the event's unique id makes storing it twice a no-op.
//
// The cursor (`sync_cursors`, "stripe-events") only advances past events we have processed: a failure stays inside
// the window and is retried by every run until it succeeds, is dead-lettered and dismissed, or falls out of Stripe's
// 30 days. Staff are alerted when the cursor falls more than 25 days behind.
import type Stripe from "stripe";
import { raiseStaffAlert } from "#app/domain/staff-alerts.server.ts";
import { listEvents } from "#app/stripe/events.server.ts";
import { db } from "#app/utils/db.server.ts";
import { handledEventTypes } from "./dispatch.server.ts";
import { processStoredEvent } from "./process.server.ts";
import { storeEvent } from "./receive.server.ts";

const CURSOR = "stripe-events";
/** Look back this far before the cursor, to cover events created out of order around it. */
const OVERLAP_SECONDS = 60 * 60;
/** Stripe's limit for `types[]` on a list of events. */
const MAX_TYPES_PER_LIST = 20;
/** Stripe keeps events for 30 days. */
const MAX_LOOKBACK_SECONDS = 30 * 24 * 60 * 60;
/** Alert when the cursor is further behind than this: events older than 30 days can no longer be listed. */
const BEHIND_ALERT_SECONDS = 25 * 24 * 60 * 60;

export interface ReconcileReport {
  since: Date;
  seen: number;
  processed: number;
  alreadyDone: number;
  failed: { id: string; type: string; error: string }[];
  /** Where the next scheduled run starts (before the overlap). */
  cursor: Date;
}

async function startingPoint(nowSeconds: number): Promise<number> {
  const cursor = await db().syncCursor.findUnique({ where: { name: CURSOR } });
  if (cursor) return Math.floor(cursor.position.getTime() / 1000) - OVERLAP_SECONDS;
  const newest = await db().stripeEvent.findFirst({
    where: { processedAt: { not: null } },
    orderBy: { stripeCreatedAt: "desc" },
    select: { stripeCreatedAt: true },
  });
  return newest
    ? Math.floor(newest.stripeCreatedAt.getTime() / 1000) - OVERLAP_SECONDS
    : nowSeconds - MAX_LOOKBACK_SECONDS;
}

/** What happens on a creator's own Stripe account (destination charges keep the money events on the platform's). */
const isConnectedAccountType = (type: string) => type.startsWith("account.") || type.startsWith("payout.");

/**
 * Stripe lists newest first and filters by at most 20 types per list: collect every group, oldest first. The
 * platform's events, then each connected account's own (Stripe lists those only under the account).
 */
async function listSince(sinceSeconds: number, onProgress?: (line: string) => void): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  const collect = async (types: string[], account?: string) => {
    for (let start = 0; start < types.length; start += MAX_TYPES_PER_LIST)
      for await (const event of listEvents({
        sinceSeconds,
        types: types.slice(start, start + MAX_TYPES_PER_LIST),
        account,
      })) {
        events.push(event);
        if (events.length % 500 === 0) onProgress?.(`listed ${events.length} events…`);
      }
  };
  const types = handledEventTypes();
  await collect(types);
  const accounts = await db().creatorAccount.findMany({
    where: { stripeAccountId: { not: null } },
    select: { stripeAccountId: true },
    orderBy: { createdAt: "asc" },
  });
  for (const [index, { stripeAccountId }] of accounts.entries()) {
    await collect(types.filter(isConnectedAccountType), stripeAccountId!);
    if ((index + 1) % 100 === 0) onProgress?.(`${index + 1}/${accounts.length} connected accounts listed…`);
  }
  return events.sort((a, b) => a.created - b.created);
}

export async function reconcileEvents(
  options: { since?: Date; onProgress?: (line: string) => void } = {},
): Promise<ReconcileReport> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const sinceSeconds = Math.max(
    options.since ? Math.floor(options.since.getTime() / 1000) : await startingPoint(nowSeconds),
    nowSeconds - MAX_LOOKBACK_SECONDS,
  );
  const events = await listSince(sinceSeconds, options.onProgress);
  const report: ReconcileReport = {
    since: new Date(sinceSeconds * 1000),
    seen: events.length,
    processed: 0,
    alreadyDone: 0,
    failed: [],
    cursor: new Date(nowSeconds * 1000),
  };

  const known = new Map(
    (
      await db().stripeEvent.findMany({
        where: { id: { in: events.map((e) => e.id) } },
        select: { id: true, processedAt: true, dismissedAt: true },
      })
    ).map((row) => [row.id, row]),
  );
  /** The oldest event still not processed: the cursor may not pass it. */
  let oldestUnsettled: number | undefined;
  for (const [index, event] of events.entries()) {
    const row = known.get(event.id);
    if (row?.processedAt || row?.dismissedAt) {
      report.alreadyDone++;
      continue;
    }
    try {
      // Storing enqueues the event for the workers too; processing it here as well makes a manual run complete on
      // its own (no app running), and the worker's run then finds it processed.
      if (!row) await storeEvent(event);
      const processed = await db().stripeEvent.findUnique({ where: { id: event.id }, select: { processedAt: true } });
      if (!processed?.processedAt) await processStoredEvent(event);
      report.processed++;
    } catch (error) {
      report.failed.push({ id: event.id, type: event.type, error: (error as Error).message });
      oldestUnsettled ??= event.created;
    }
    if ((index + 1) % 100 === 0) options.onProgress?.(`${index + 1}/${events.length} events checked…`);
  }
  if (oldestUnsettled !== undefined) report.cursor = new Date(oldestUnsettled * 1000);
  if (!options.since) await advanceCursor(report.cursor, nowSeconds);
  return report;
}

/** Moves the cursor (never backwards past an event it already passed) and alerts when it is far behind. */
async function advanceCursor(position: Date, nowSeconds: number) {
  await db().syncCursor.upsert({
    where: { name: CURSOR },
    create: { name: CURSOR, position },
    update: { position },
  });
  const behindSeconds = nowSeconds - Math.floor(position.getTime() / 1000);
  if (behindSeconds > BEHIND_ALERT_SECONDS)
    await raiseStaffAlert({
      kind: "reconciliation_behind",
      message:
        `Reconciliation is ${Math.floor(behindSeconds / 86_400)} days behind (an event from ` +
        `${position.toISOString().slice(0, 10)} still fails). Stripe keeps events for 30 days: fix or dismiss the ` +
        `failing events before they can no longer be listed.`,
      dedupeKey: `behind:${position.toISOString().slice(0, 10)}`,
    });
}
