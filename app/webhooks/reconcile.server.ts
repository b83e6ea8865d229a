// Recovery for webhooks that never arrived: list events from Stripe since the last one we processed and run the
// ones we are missing (or failed) through the same store → process path as the webhook.
import type Stripe from "stripe";
import { listEvents } from "#app/stripe/events.server.ts";
import { db } from "#app/utils/db.server.ts";
import { handledEventTypes } from "./dispatch.server.ts";
import { processStoredEvent, storeEvent } from "./receive.server.ts";

/** Look back this far before the newest processed event, to cover events created out of order around it. */
const OVERLAP_SECONDS = 60 * 60;
/** Stripe's limit for `types[]` on a list of events. */
const MAX_TYPES_PER_LIST = 20;
/** Stripe keeps events for 30 days. */
const MAX_LOOKBACK_SECONDS = 30 * 24 * 60 * 60;

export interface ReconcileReport {
  since: Date;
  seen: number;
  processed: number;
  alreadyDone: number;
  failed: { id: string; type: string; error: string }[];
}

export async function reconcileEvents(
  options: { since?: Date; onProgress?: (line: string) => void } = {},
): Promise<ReconcileReport> {
  const now = Math.floor(Date.now() / 1000);
  let sinceSeconds: number;
  if (options.since) sinceSeconds = Math.floor(options.since.getTime() / 1000);
  else {
    const newest = await db().stripeEvent.findFirst({
      where: { processedAt: { not: null } },
      orderBy: { stripeCreatedAt: "desc" },
      select: { stripeCreatedAt: true },
    });
    sinceSeconds = newest
      ? Math.floor(newest.stripeCreatedAt.getTime() / 1000) - OVERLAP_SECONDS
      : now - MAX_LOOKBACK_SECONDS;
  }
  sinceSeconds = Math.max(sinceSeconds, now - MAX_LOOKBACK_SECONDS);
  const report: ReconcileReport = {
    since: new Date(sinceSeconds * 1000),
    seen: 0,
    processed: 0,
    alreadyDone: 0,
    failed: [],
  };

  // Stripe lists newest first and filters by at most 20 types per list; collect every group, then process oldest
  // first as they happened.
  const events: Stripe.Event[] = [];
  const types = handledEventTypes();
  for (let start = 0; start < types.length; start += MAX_TYPES_PER_LIST) {
    for await (const event of listEvents({ sinceSeconds, types: types.slice(start, start + MAX_TYPES_PER_LIST) })) {
      events.push(event);
      if (events.length % 500 === 0) options.onProgress?.(`listed ${events.length} events…`);
    }
  }
  events.sort((a, b) => a.created - b.created);
  report.seen = events.length;

  const known = new Map(
    (
      await db().stripeEvent.findMany({
        where: { id: { in: events.map((e) => e.id) } },
        select: { id: true, processedAt: true },
      })
    ).map((row) => [row.id, row.processedAt]),
  );
  for (const [index, event] of events.entries()) {
    if (known.get(event.id)) {
      report.alreadyDone++;
      continue;
    }
    try {
      const stored = known.has(event.id) ? { alreadyProcessed: false } : await storeEvent(event);
      if (!stored.alreadyProcessed) await processStoredEvent(event);
      report.processed++;
    } catch (error) {
      report.failed.push({ id: event.id, type: event.type, error: (error as Error).message });
    }
    if ((index + 1) % 100 === 0) options.onProgress?.(`${index + 1}/${events.length} events checked…`);
  }
  return report;
}
