// Staff triage of Stripe webhook events (/staff/events) and staff alerts on the console's home (/staff): the failing
// and dead lists, retry (a fresh job on pg-boss's queue), dismiss (with its audit row), refusals that answer 4xx and
// change nothing, who may see the pages, and acknowledging an alert. Events are seeded as rows; the queue's jobs are
// read from pg-boss's own table. The last test runs a worker and sees a retried event processed.
import { beforeAll, describe, expect, it } from "vitest";
import { action as eventsAction, loader as eventsLoader } from "#app/routes/staff+/events.tsx";
import { action as homeAction, loader as homeLoader } from "#app/routes/staff+/_index.tsx";
import { db } from "#app/utils/db.server.ts";
import { queue, QUEUES, work } from "#app/utils/queue.server.ts";
import { runStoredEvent } from "#app/webhooks/process.server.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";

let staffId: string;
let staffCookie: string;
let buyerCookie: string;
let creatorCookie: string;

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

let seq = 0;
/** A stored event row as the webhook route and the worker leave it; `type` has no handler unless told otherwise. */
async function seedEvent(fields: {
  id?: string;
  type?: string;
  receivedMinutesAgo?: number;
  error?: string | null;
  attempts?: number;
  dead?: boolean;
  processed?: boolean;
  dismissed?: boolean;
  livemode?: boolean;
  account?: string | null;
}) {
  seq += 1;
  const id = fields.id ?? `evt_triage_${String(seq).padStart(3, "0")}`;
  const type = fields.type ?? "customer.updated";
  const receivedAt = minutesAgo(fields.receivedMinutesAgo ?? seq);
  return db().stripeEvent.create({
    data: {
      id,
      type,
      account: fields.account ?? null,
      stripeCreatedAt: receivedAt,
      receivedAt,
      livemode: fields.livemode ?? false,
      payload: { id, object: "event", type, livemode: fields.livemode ?? false, data: { object: { id: "cus_1" } } },
      processingError: fields.error === undefined ? "Error: handler blew up\n    at handle (x.ts:1:1)" : fields.error,
      attempts: fields.attempts ?? 2,
      lastAttemptAt: minutesAgo(1),
      deadAt: fields.dead ? minutesAgo(1) : null,
      processedAt: fields.processed ? minutesAgo(1) : null,
      dismissedAt: fields.dismissed ? minutesAgo(1) : null,
    },
  });
}

type Listed = {
  id: string;
  type: string;
  account: string | null;
  error: string | null;
  attempts: number;
  lastAttemptAt: string | null;
  receivedAt: string;
  deadAt: string | null;
  dashboardUrl: string;
};
type EventsBody = {
  failing: Listed[];
  dead: Listed[];
  failingCount: number;
  deadCount: number;
  page: number;
  pageCount: number;
};

async function listEvents(query = "", cookie = staffCookie) {
  const response = await callRoute(eventsLoader, getRequest(`/staff/events${query}`, { cookie }));
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as EventsBody) : null };
}

async function postEvents(fields: Record<string, string>, cookie = staffCookie) {
  const response = await callRoute(eventsAction, formRequest("/staff/events", fields, { cookie }));
  const location = response.headers.get("location");
  const body = location ? null : ((await response.json().catch(() => null)) as { error?: string } | null);
  return { status: response.status, location, body };
}

/** The event's jobs on the stripe-event queue, oldest first. */
async function jobsFor(eventId: string) {
  return db().$queryRaw<{ id: string; state: string; singletonKey: string | null; data: { eventId?: string } }[]>`
    SELECT id::text AS id, state::text AS state, singleton_key AS "singletonKey", data FROM pgboss.job
    WHERE name = ${QUEUES.stripeEvent} AND data->>'eventId' = ${eventId} ORDER BY created_on, id`;
}

async function auditRows(action: string, entityId: string) {
  return db().auditLog.findMany({ where: { action, entityId }, orderBy: { id: "asc" } });
}

async function eventRow(id: string) {
  return db().stripeEvent.findUniqueOrThrow({ where: { id } });
}

beforeAll(async () => {
  const { user: staff } = await createUser({ role: "STAFF", email: "triage.staff@example.com" });
  staffId = staff.id;
  staffCookie = await sessionCookie(staff.id);
  buyerCookie = await sessionCookie((await createUser({ role: "BUYER" })).user.id);
  creatorCookie = await sessionCookie((await createUser({ role: "CREATOR" })).user.id);
  // The queue (and pg-boss's schema in this database) is up before any test reads its table.
  await queue();
});

describe("the list of troubled events", () => {
  it("shows failing and dead events newest first, with the first error line, attempts and a dashboard link", async () => {
    const olderFailing = await seedEvent({ id: "evt_list_failing_old", receivedMinutesAgo: 60, attempts: 3 });
    const newerFailing = await seedEvent({
      id: "evt_list_failing_new",
      receivedMinutesAgo: 5,
      account: "acct_123",
      error: "\nStripe said no\nstack line",
    });
    const dead = await seedEvent({ id: "evt_list_dead", receivedMinutesAgo: 30, dead: true, livemode: true });
    // Not troubled: processed, waiting for a first attempt, dismissed, and dead but processed by reconciliation since.
    const ignored = [
      await seedEvent({ id: "evt_list_processed", processed: true, error: null }),
      await seedEvent({ id: "evt_list_pending", error: null, attempts: 0 }),
      await seedEvent({ id: "evt_list_dismissed", dead: true, dismissed: true }),
      await seedEvent({ id: "evt_list_dead_processed", dead: true, processed: true }),
    ];

    const { status, body } = await listEvents();
    expect(status).toBe(200);
    expect(body!.failing.map((e) => e.id)).toEqual([newerFailing.id, olderFailing.id]);
    expect(body!.dead.map((e) => e.id)).toEqual([dead.id]);
    expect(body!.failingCount).toBe(2);
    expect(body!.deadCount).toBe(1);
    const listedIds = [...body!.failing, ...body!.dead].map((e) => e.id);
    for (const event of ignored) expect(listedIds).not.toContain(event.id);

    const [first, second] = body!.failing as [Listed, Listed];
    expect(first).toMatchObject({
      type: "customer.updated",
      account: "acct_123",
      error: "Stripe said no",
      dashboardUrl: "https://dashboard.stripe.com/test/events/evt_list_failing_new",
    });
    expect(second).toMatchObject({ error: "Error: handler blew up", attempts: 3, account: null });
    expect(new Date(second.receivedAt).getTime()).toBe(olderFailing.receivedAt.getTime());
    expect(body!.dead[0]!.dashboardUrl).toBe("https://dashboard.stripe.com/events/evt_list_dead");
    expect(body!.dead[0]!.deadAt).not.toBeNull();
  });

  it("pages 25 at a time, failing before dead, and refuses a page that is not a number", async () => {
    const extra = [];
    for (let index = 0; index < 30; index++)
      extra.push(await seedEvent({ id: `evt_page_${String(index).padStart(2, "0")}`, dead: true }));
    try {
      const first = await listEvents();
      expect(first.body!.pageCount).toBe(2);
      expect(first.body!.failing).toHaveLength(2);
      expect(first.body!.dead).toHaveLength(23);
      const second = await listEvents("?page=2");
      expect(second.body!.failing).toHaveLength(0);
      expect(second.body!.dead).toHaveLength(31 - 23);
      const seen = [...first.body!.dead, ...second.body!.dead].map((e) => e.id);
      expect(new Set(seen).size).toBe(31);
      expect((await listEvents("?page=-1")).status).toBe(400);
    } finally {
      await db().stripeEvent.deleteMany({ where: { id: { in: extra.map((e) => e.id) } } });
    }
  });

  it("is only for staff: buyers and creators get 403, signed-out visitors go to the login", async () => {
    expect((await listEvents("", buyerCookie)).status).toBe(403);
    expect((await listEvents("", creatorCookie)).status).toBe(403);
    const anonymous = await callRoute(eventsLoader, getRequest("/staff/events"));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toMatch(/^\/login\?/);
  });
});

describe("retrying an event", () => {
  it("clears a dead event's dead mark, enqueues a job for it and audits the retry", async () => {
    const dead = await seedEvent({ id: "evt_retry_dead", dead: true, attempts: 4 });
    expect(await jobsFor(dead.id)).toEqual([]);

    const result = await postEvents({ intent: "retry", eventId: dead.id });
    expect(result.status).toBe(303);
    expect(result.location).toBe("/staff/events?done=queued&event=evt_retry_dead");

    const row = await eventRow(dead.id);
    expect(row.deadAt).toBeNull();
    expect(row.processedAt).toBeNull();
    const jobs = await jobsFor(dead.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: "created", singletonKey: dead.id, data: { eventId: dead.id } });
    const [entry, ...more] = await auditRows("stripe_event.retried", dead.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actorType: "USER", actorId: staffId, entityType: "stripe_event" });
    expect(entry!.data).toMatchObject({ wasDead: true, jobId: jobs[0]!.id });

    // Now it waits for a worker like any failing event.
    const { body } = await listEvents();
    expect(body!.failing.map((e) => e.id)).toContain(dead.id);
    expect(body!.dead.map((e) => e.id)).not.toContain(dead.id);
  });

  it("says so when a job is already waiting, and enqueues no second one", async () => {
    const result = await postEvents({ intent: "retry", eventId: "evt_retry_dead" });
    expect(result.status).toBe(303);
    expect(result.location).toBe("/staff/events?done=already_queued&event=evt_retry_dead");
    expect(await jobsFor("evt_retry_dead")).toHaveLength(1);
    expect(await auditRows("stripe_event.retried", "evt_retry_dead")).toHaveLength(1);
  });

  it("replaces a job that is waiting out its back-off with one that runs now", async () => {
    const failing = await seedEvent({ id: "evt_retry_backoff" });
    const boss = await queue();
    const oldJobId = await boss.send(QUEUES.stripeEvent, { eventId: failing.id }, { singletonKey: failing.id });
    expect(oldJobId).not.toBeNull();
    // As pg-boss leaves a job that failed and waits to be retried.
    await db().$executeRaw`UPDATE pgboss.job SET state = 'retry', retry_count = 1,
      start_after = now() + interval '1 hour' WHERE id = ${oldJobId}::uuid`;

    const result = await postEvents({ intent: "retry", eventId: failing.id });
    expect(result.location).toBe("/staff/events?done=queued&event=evt_retry_backoff");
    const jobs = await jobsFor(failing.id);
    expect(jobs.map((job) => [job.id === oldJobId ? "old" : "new", job.state])).toEqual([
      ["old", "cancelled"],
      ["new", "created"],
    ]);
    const [entry] = await auditRows("stripe_event.retried", failing.id);
    expect(entry!.data).toMatchObject({ wasDead: false, cancelledJobIds: [oldJobId] });
  });

  it("refuses a processed event with a 409 and changes nothing", async () => {
    const processed = await seedEvent({ id: "evt_retry_processed", processed: true, error: null, attempts: 1 });
    const result = await postEvents({ intent: "retry", eventId: processed.id });
    expect(result.status).toBe(409);
    expect(result.body?.error).toMatch(/already processed/);
    const row = await eventRow(processed.id);
    expect(row.processedAt?.getTime()).toBe(processed.processedAt!.getTime());
    expect(row.attempts).toBe(1);
    expect(await jobsFor(processed.id)).toEqual([]);
    expect(await auditRows("stripe_event.retried", processed.id)).toEqual([]);
  });

  it("refuses an event that never failed, a dismissed one, an unknown id and a missing id, each with a 4xx", async () => {
    const pending = await seedEvent({ id: "evt_retry_pending", error: null, attempts: 0 });
    const dismissed = await seedEvent({ id: "evt_retry_dismissed", dead: true, dismissed: true });
    const never = await postEvents({ intent: "retry", eventId: pending.id });
    expect(never.status).toBe(409);
    expect(never.body?.error).toMatch(/has not failed/);
    const gone = await postEvents({ intent: "retry", eventId: dismissed.id });
    expect(gone.status).toBe(409);
    expect(gone.body?.error).toMatch(/dismissed/);
    expect((await eventRow(dismissed.id)).deadAt).not.toBeNull();
    const unknown = await postEvents({ intent: "retry", eventId: "evt_nobody_has" });
    expect(unknown.status).toBe(404);
    expect(unknown.body?.error).toMatch(/no Stripe event/);
    expect((await postEvents({ intent: "retry" })).status).toBe(400);
    expect((await postEvents({ intent: "replay", eventId: pending.id })).status).toBe(400);
    for (const id of [pending.id, dismissed.id]) expect(await jobsFor(id)).toEqual([]);
  });

  it("refuses buyers and creators and changes nothing", async () => {
    const dead = await seedEvent({ id: "evt_retry_not_staff", dead: true });
    for (const cookie of [buyerCookie, creatorCookie]) {
      expect((await postEvents({ intent: "retry", eventId: dead.id }, cookie)).status).toBe(403);
      expect((await postEvents({ intent: "dismiss", eventId: dead.id }, cookie)).status).toBe(403);
    }
    const row = await eventRow(dead.id);
    expect(row.deadAt).not.toBeNull();
    expect(row.dismissedAt).toBeNull();
    expect(await jobsFor(dead.id)).toEqual([]);
  });
});

describe("dismissing an event", () => {
  it("sets it aside with who did it, cancels its waiting job, audits it and takes it off the list", async () => {
    const failing = await seedEvent({ id: "evt_dismiss_failing" });
    const boss = await queue();
    const jobId = await boss.send(QUEUES.stripeEvent, { eventId: failing.id }, { singletonKey: failing.id });

    const result = await postEvents({ intent: "dismiss", eventId: failing.id, page: "1" });
    expect(result.status).toBe(303);
    expect(result.location).toBe("/staff/events?done=dismissed&event=evt_dismiss_failing");
    const row = await eventRow(failing.id);
    expect(row.dismissedAt).not.toBeNull();
    expect(row.dismissedById).toBe(staffId);
    expect(row.processedAt).toBeNull();
    expect((await jobsFor(failing.id)).map((job) => [job.id, job.state])).toEqual([[jobId, "cancelled"]]);
    const [entry] = await auditRows("stripe_event.dismissed", failing.id);
    expect(entry).toMatchObject({ actorType: "USER", actorId: staffId, entityType: "stripe_event" });

    const { body } = await listEvents();
    expect([...body!.failing, ...body!.dead].map((e) => e.id)).not.toContain(failing.id);
    // Dismissed is final: neither a retry nor a second dismissal goes through.
    expect((await postEvents({ intent: "retry", eventId: failing.id })).status).toBe(409);
    expect((await postEvents({ intent: "dismiss", eventId: failing.id })).status).toBe(409);
    expect(await auditRows("stripe_event.dismissed", failing.id)).toHaveLength(1);
    expect(await jobsFor(failing.id)).toHaveLength(1);
  });

  it("keeps the page in the redirect and refuses a processed event", async () => {
    const dead = await seedEvent({ id: "evt_dismiss_dead", dead: true });
    const result = await postEvents({ intent: "dismiss", eventId: dead.id, page: "3" });
    expect(result.location).toBe("/staff/events?done=dismissed&event=evt_dismiss_dead&page=3");
    const processed = await seedEvent({ id: "evt_dismiss_processed", processed: true, error: null });
    const refused = await postEvents({ intent: "dismiss", eventId: processed.id });
    expect(refused.status).toBe(409);
    expect((await eventRow(processed.id)).dismissedAt).toBeNull();
    expect(await auditRows("stripe_event.dismissed", processed.id)).toEqual([]);
  });
});

type HomeBody = {
  alerts: {
    id: string;
    kind: string;
    kindWords: string;
    message: string;
    orderId: string | null;
    stripeEventId: string | null;
  }[];
  openAlertCount: number;
  events: { failing: number; dead: number };
};

async function home(cookie = staffCookie) {
  const response = await callRoute(homeLoader, getRequest("/staff", { cookie }));
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as HomeBody) : null };
}

async function acknowledge(alertId: string | undefined, cookie = staffCookie) {
  const fields: Record<string, string> = { intent: "acknowledge" };
  if (alertId !== undefined) fields.alertId = alertId;
  const response = await callRoute(homeAction, formRequest("/staff", fields, { cookie }));
  const location = response.headers.get("location");
  const body = location ? null : ((await response.json().catch(() => null)) as { error?: string } | null);
  return { status: response.status, location, body };
}

describe("staff alerts on the console's home", () => {
  it("lists open alerts newest first in words, with the failing and dead counts", async () => {
    const older = await db().staffAlert.create({
      data: {
        kind: "refund_failed_after_success",
        message: "Refund re_1 failed after it succeeded.",
        dedupeKey: "test:refund",
        orderId: "order_1",
        createdAt: minutesAgo(10),
      },
    });
    const newer = await db().staffAlert.create({
      data: {
        kind: "event_dead",
        message: "charge.refunded (evt_x) failed 4 times.",
        dedupeKey: "test:dead",
        stripeEventId: "evt_x",
        createdAt: minutesAgo(1),
      },
    });
    await db().staffAlert.create({
      data: { kind: "event_dead", message: "old news", dedupeKey: "test:acked", acknowledgedAt: minutesAgo(5) },
    });
    const counts = await db().stripeEvent.count({ where: { processedAt: null, dismissedAt: null, deadAt: null } });
    expect(counts).toBeGreaterThan(0);

    const { status, body } = await home();
    expect(status).toBe(200);
    expect(body!.alerts.map((a) => a.id)).toEqual([newer.id, older.id]);
    expect(body!.openAlertCount).toBe(2);
    expect(body!.alerts[0]).toMatchObject({ kindWords: "Stripe event gave up", stripeEventId: "evt_x", orderId: null });
    expect(body!.alerts[1]).toMatchObject({ kindWords: "Refund failed after succeeding", orderId: "order_1" });
    const listed = (await listEvents()).body!;
    expect(body!.events).toEqual({ failing: listed.failingCount, dead: listed.deadCount });
    expect(body!.events.failing + body!.events.dead).toBeGreaterThan(0);
  });

  it("acknowledges an alert once, with an audit row, and takes it off the panel", async () => {
    const alert = await db().staffAlert.findUniqueOrThrow({ where: { dedupeKey: "test:dead" } });
    const result = await acknowledge(alert.id);
    expect(result.status).toBe(303);
    expect(result.location).toBe("/staff?acknowledged=1");
    const row = await db().staffAlert.findUniqueOrThrow({ where: { id: alert.id } });
    expect(row.acknowledgedAt).not.toBeNull();
    expect(row.acknowledgedById).toBe(staffId);
    const [entry, ...more] = await auditRows("staff_alert.acknowledged", alert.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actorType: "USER", actorId: staffId, entityType: "staff_alert" });
    expect((await home()).body!.alerts.map((a) => a.id)).not.toContain(alert.id);

    const again = await acknowledge(alert.id);
    expect(again.status).toBe(409);
    expect(again.body?.error).toMatch(/already acknowledged/);
    expect(await auditRows("staff_alert.acknowledged", alert.id)).toHaveLength(1);
    expect((await acknowledge("alert_nobody_has")).status).toBe(404);
    expect((await acknowledge(undefined)).status).toBe(400);
  });

  it("is only for staff", async () => {
    const alert = await db().staffAlert.findUniqueOrThrow({ where: { dedupeKey: "test:refund" } });
    for (const cookie of [buyerCookie, creatorCookie]) {
      expect((await home(cookie)).status).toBe(403);
      expect((await acknowledge(alert.id, cookie)).status).toBe(403);
    }
    expect((await db().staffAlert.findUniqueOrThrow({ where: { id: alert.id } })).acknowledgedAt).toBeNull();
  });
});

describe("with a worker running", () => {
  it("processes a retried dead event", async () => {
    // Only this test's job should run: the jobs earlier tests left waiting are not for this worker.
    await db().$executeRaw`DELETE FROM pgboss.job WHERE name = ${QUEUES.stripeEvent}`;
    const dead = await seedEvent({ id: "evt_worker_dead", type: "customer.created", dead: true, attempts: 4 });
    await work<{ eventId: string }>(QUEUES.stripeEvent, 1, ({ eventId }) => runStoredEvent(eventId));
    expect((await postEvents({ intent: "retry", eventId: dead.id })).location).toContain("done=queued");

    const deadline = Date.now() + 15_000;
    let row = await eventRow(dead.id);
    while (!row.processedAt && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      row = await eventRow(dead.id);
    }
    expect(row.processedAt).not.toBeNull();
    expect(row.processingError).toBeNull();
    expect(row.deadAt).toBeNull();
    expect(row.attempts).toBe(5);
  });
});
