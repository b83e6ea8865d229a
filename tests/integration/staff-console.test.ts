// The staff console's read-only pages over real orders made through the Stripe emulator: order search, the order
// page with its amounts and timeline, the disputes list, and the audit log with its CSV export.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audit, actorFromRequest } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { loader as ordersLoader } from "#app/routes/staff+/orders._index.tsx";
import { loader as orderLoader } from "#app/routes/staff+/orders.$orderId._index.tsx";
import { loader as disputesLoader } from "#app/routes/staff+/disputes._index.tsx";
import { loader as auditLoader } from "#app/routes/staff+/audit.tsx";
import { loader as auditCsvLoader } from "#app/routes/staff+/audit[.]csv.ts";
import type { Order } from "#app/generated/prisma/client.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
let staffCookie: string;
let staffEmail: string;
let buyerCookie: string;
let creatorCookie: string;
let orders: Order[]; // [aurora #1, aurora #2, borealis #3]
let aurora: { id: string; slug: string };
let borealis: { id: string; slug: string };

async function paidOrder(creatorId: string, buyer: { id: string; email: string }, amount: number) {
  const product = await publishedProduct(creatorId, { amount, currency: "usd" });
  const { url } = await startCheckout({
    buyer,
    productId: product.id,
    appUrl: "http://localhost:3000",
    actor: actorFromRequest(new Request("http://localhost/")),
  });
  const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;
  const payment = await controls.payCheckoutSession(stripeEnv.url, sessionId);
  expect(payment.status).toBe("succeeded");
  return sessionId;
}

beforeAll(async () => {
  stripeEnv = await startTestStripe();
  const a = await onboardedCreator(stripeEnv.url);
  const b = await onboardedCreator(stripeEnv.url);
  aurora = await db().creatorAccount.update({
    where: { id: a.creator.id },
    data: { displayName: "Aurora Prints", slug: "aurora-prints" },
  });
  borealis = await db().creatorAccount.update({
    where: { id: b.creator.id },
    data: { displayName: "Borealis Sound", slug: "borealis-sound" },
  });
  creatorCookie = await sessionCookie(a.user.id);
  const { user: ada } = await createUser({ name: "Ada Byron", email: "ada@example.com" });
  const { user: alan } = await createUser({ name: "Alan Turing", email: "alan@example.com" });
  const { user: grace } = await createUser({ name: "Grace Hopper", email: "grace@example.com" });
  await paidOrder(aurora.id, ada, 2500);
  await paidOrder(aurora.id, alan, 1000);
  await paidOrder(borealis.id, grace, 4200);
  await stripeEnv.settle();
  orders = await db().order.findMany({ orderBy: { number: "asc" } });
  expect(orders).toHaveLength(3);
  const { user: staff } = await createUser({ role: "STAFF", name: "Sam Staff", email: "sam.staff@example.com" });
  staffEmail = staff.email;
  staffCookie = await sessionCookie(staff.id);
  buyerCookie = await sessionCookie(ada.id);
});
afterAll(async () => stripeEnv?.stop());

type OrdersBody = {
  errors: Record<string, string> | null;
  result: {
    orders: { id: string; number: number }[];
    total: number;
    page: number;
    pageCount: number;
    searchKind: string | null;
  } | null;
};

async function searchOrders(query: Record<string, string>) {
  const response = await callRoute(
    ordersLoader,
    getRequest(`/staff/orders?${new URLSearchParams(query)}`, { cookie: staffCookie }),
  );
  return { status: response.status, body: (await response.json()) as OrdersBody };
}
async function foundIds(query: Record<string, string>) {
  const { status, body } = await searchOrders(query);
  expect(status).toBe(200);
  return body.result!.orders.map((o) => o.id).sort();
}
const ids = (...list: Order[]) => list.map((o) => o.id).sort();

describe("order search", () => {
  it("finds an order by payment intent, charge, checkout session, number, email, creator name or slug, and no other", async () => {
    const [first, second, third] = orders as [Order, Order, Order];
    expect(first.stripePaymentIntentId).toMatch(/^pi_/);
    expect(await foundIds({ q: first.stripePaymentIntentId! })).toEqual(ids(first));
    expect(await foundIds({ q: second.stripeChargeId! })).toEqual(ids(second));
    expect(await foundIds({ q: third.stripeCheckoutSessionId! })).toEqual(ids(third));
    expect(await foundIds({ q: `#${third.number}` })).toEqual(ids(third));
    expect(await foundIds({ q: String(second.number) })).toEqual(ids(second));
    expect(await foundIds({ q: "ALAN@example.com" })).toEqual(ids(second));
    expect(await foundIds({ q: "aurora" })).toEqual(ids(first, second));
    expect(await foundIds({ q: "borealis-sound" })).toEqual(ids(third));
    expect(await foundIds({ q: "Grace" })).toEqual(ids(third));
    // A payment intent id that only shares a prefix finds nothing.
    expect(await foundIds({ q: `${first.stripePaymentIntentId!}X` })).toEqual([]);
    expect((await searchOrders({ q: first.stripeChargeId! })).body.result!.searchKind).toBe("charge");
  });

  it("filters by status, creator and paid date range, and explains an inverted range", async () => {
    const [first, second, third] = orders as [Order, Order, Order];
    expect(await foundIds({ status: "PAID" })).toEqual(ids(first, second, third));
    expect(await foundIds({ status: "REFUNDED" })).toEqual([]);
    expect(await foundIds({ creator: borealis.id })).toEqual(ids(third));
    expect(await foundIds({ creator: aurora.id, q: "ada@example.com" })).toEqual(ids(first));
    const today = new Date().toISOString().slice(0, 10);
    expect(await foundIds({ from: today, to: today })).toEqual(ids(first, second, third));
    expect(await foundIds({ to: "2020-01-01" })).toEqual([]);

    const inverted = await searchOrders({ from: "2026-02-10", to: "2026-02-01" });
    expect(inverted.status).toBe(400);
    expect(inverted.body.result).toBeNull();
    expect(inverted.body.errors!.to).toMatch(/end date is before the start date/);
    const badStatus = await searchOrders({ status: "LOST_IN_SPACE" });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.errors!.status).toBeTruthy();
  });

  it("pages 25 at a time, newest payment first with ties broken by id, never repeating or skipping an order", async () => {
    const { user } = await createUser({ name: "Pat Pager", email: "pat.pager@example.com" });
    const base = orders[0]!;
    const item = await db().orderItem.findFirstOrThrow({ where: { orderId: base.id } });
    const sameTime = new Date("2025-06-01T12:00:00Z");
    for (let i = 0; i < 27; i++) {
      await db().order.create({
        data: {
          buyerId: user.id,
          creatorId: borealis.id,
          buyerEmail: user.email,
          currency: "usd",
          totalAmount: 500,
          applicationFeeAmount: 75,
          creatorAmount: 425,
          paidAt: i < 10 ? sameTime : new Date(sameTime.getTime() + i * 60_000),
          items: {
            create: {
              productId: item.productId,
              priceId: item.priceId,
              productTitle: "Paged product",
              unitAmount: 500,
              amount: 500,
              currency: "usd",
              applicationFeeAmount: 75,
              feeBps: 1500,
            },
          },
        },
      });
    }
    const page1 = await searchOrders({ q: "pat.pager@example.com" });
    const page2 = await searchOrders({ q: "pat.pager@example.com", page: "2" });
    expect(page1.body.result).toMatchObject({ total: 27, page: 1, pageCount: 2 });
    expect(page1.body.result!.orders).toHaveLength(25);
    expect(page2.body.result!.orders).toHaveLength(2);
    const seen = [...page1.body.result!.orders, ...page2.body.result!.orders].map((o) => o.id);
    expect(new Set(seen).size).toBe(27);
    const expected = await db().order.findMany({
      where: { buyerId: user.id },
      orderBy: [{ paidAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    expect(seen).toEqual(expected.map((o) => o.id));
    const empty = await searchOrders({ q: "pat.pager@example.com", page: "3" });
    expect(empty.body.result!.orders).toEqual([]);
    expect((await searchOrders({ page: "0" })).status).toBe(400);
  });
});

describe("access", () => {
  it("answers a buyer or a creator with 403 on every staff console page, and a visitor with the login page", async () => {
    const routes = [
      [ordersLoader, "/staff/orders", {}],
      [orderLoader, `/staff/orders/${orders[0]!.id}`, { orderId: orders[0]!.id }],
      [disputesLoader, "/staff/disputes", {}],
      [auditLoader, "/staff/audit", {}],
      [auditCsvLoader, "/staff/audit.csv", {}],
    ] as const;
    for (const [loader, path, params] of routes) {
      for (const cookie of [buyerCookie, creatorCookie]) {
        const response = await callRoute(loader, getRequest(path, { cookie }), params);
        expect(response.status, path).toBe(403);
      }
      const anonymous = await callRoute(loader, getRequest(path), params);
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    }
  });
});

type OrderBody = {
  order: Order & { disputes: { id: string }[] };
  refundableAmount: number;
  canRefund: boolean;
  recoverableDisputeIds: string[];
  timeline: { title: string; actorType: string; actorLabel: string; source: string; at: string }[];
};
async function orderPage(orderId: string) {
  const response = await callRoute(orderLoader, getRequest(`/staff/orders/${orderId}`, { cookie: staffCookie }), {
    orderId,
  });
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as OrderBody) : null };
}

describe("order page", () => {
  it("shows the amounts, the refundable remainder and a timeline of audit rows and Stripe events", async () => {
    const first = orders[0]!;
    const { status, body } = await orderPage(first.id);
    expect(status).toBe(200);
    expect(body!.order).toMatchObject({
      totalAmount: 2500,
      applicationFeeAmount: 375,
      creatorAmount: 2125,
      refundedAmount: 0,
    });
    expect(body!.order.stripeFeeAmount).toBe(Math.round(2500 * 0.029) + 30);
    expect(body!.refundableAmount).toBe(2500);
    expect(body!.canRefund).toBe(true);

    const titles = body!.timeline.map((e) => e.title);
    expect(titles).toContain("order.paid");
    expect(titles).toContain("entitlement.granted");
    expect(titles.filter((t) => t === "checkout.session.completed")).toHaveLength(1);
    const stripeEvent = body!.timeline.find((e) => e.title === "checkout.session.completed")!;
    expect(stripeEvent.source).toBe("stripe");
    expect(stripeEvent.actorLabel).toMatch(/^Stripe · evt_/);
    const paid = body!.timeline.find((e) => e.title === "order.paid")!;
    expect(paid.actorType).toBe("STRIPE");
    // The checkout attempt's own rows are part of the story, and the order is the story's order.
    expect(titles).toContain("checkout.started");
    expect(titles.indexOf("checkout.started")).toBeLessThan(titles.indexOf("checkout.session.completed"));
    expect(titles.indexOf("checkout.session.completed")).toBeLessThan(titles.indexOf("order.paid"));
    // Oldest first.
    const times = body!.timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Nothing from the other orders' payments.
    const stored = await db().stripeEvent.findMany({ where: { type: "checkout.session.completed" } });
    expect(stored).toHaveLength(3);
  });

  it("names the staff member on their audit rows, and shows the remainder after a refund", async () => {
    const second = orders[1]!;
    const staff = await db().user.findUniqueOrThrow({ where: { email: staffEmail } });
    await db().order.update({ where: { id: second.id }, data: { refundedAmount: 400, status: "PARTIALLY_REFUNDED" } });
    await transaction((tx) =>
      audit(tx, {
        actor: { type: "USER", id: staff.id },
        action: "staff.note",
        entityType: "order",
        entityId: second.id,
        orderId: second.id,
        amount: 400,
        currency: "usd",
      }),
    );
    const { body } = await orderPage(second.id);
    expect(body!.refundableAmount).toBe(600);
    expect(body!.canRefund).toBe(true);
    const note = body!.timeline.find((e) => e.title === "staff.note")!;
    expect(note.actorLabel).toBe(`Sam Staff (${staffEmail})`);
  });

  it("hides Refund on a disputed order and offers recovery for a lost dispute not yet recovered", async () => {
    const third = orders[2]!;
    await db().order.update({ where: { id: third.id }, data: { status: "DISPUTE_LOST" } });
    const lost = await db().dispute.create({
      data: {
        orderId: third.id,
        stripeDisputeId: "dp_test_lost",
        stripeChargeId: third.stripeChargeId!,
        amount: 4200,
        currency: "usd",
        reason: "fraudulent",
        stripeStatus: "lost",
        outcome: "LOST",
        recoveredAmount: 1000,
        closedAt: new Date(),
      },
    });
    const { body } = await orderPage(third.id);
    expect(body!.canRefund).toBe(false);
    expect(body!.recoverableDisputeIds).toEqual([lost.id]);
    expect((await orderPage("no-such-order")).status).toBe(404);
  });
});

describe("disputes list", () => {
  it("lists open disputes first, soonest evidence deadline first, then closed ones", async () => {
    const [first, second] = orders as [Order, Order];
    for (const [n, order, due] of [
      [1, first, "2026-03-20"],
      [2, second, "2026-03-05"],
    ] as const) {
      await db().dispute.create({
        data: {
          orderId: order.id,
          stripeDisputeId: `dp_test_open_${n}`,
          stripeChargeId: order.stripeChargeId!,
          amount: order.totalAmount,
          currency: "usd",
          reason: "product_not_received",
          stripeStatus: "needs_response",
          evidenceDueBy: new Date(`${due}T00:00:00Z`),
        },
      });
    }
    const response = await callRoute(disputesLoader, getRequest("/staff/disputes", { cookie: staffCookie }));
    const body = (await response.json()) as {
      open: { stripeDisputeId: string; order: { number: number } }[];
      closed: { stripeDisputeId: string }[];
      openCount: number;
      closedCount: number;
    };
    expect(body.open.map((d) => d.stripeDisputeId)).toEqual(["dp_test_open_2", "dp_test_open_1"]);
    expect(body.open[0]!.order.number).toBe(second.number);
    expect(body.closed.map((d) => d.stripeDisputeId)).toEqual(["dp_test_lost"]);
    expect(body).toMatchObject({ openCount: 2, closedCount: 1 });
  });
});

type AuditBody = {
  errors: Record<string, string> | null;
  result: {
    total: number;
    rows: { action: string; actorType: string; entityId: string; actor: { email: string } | null }[];
  } | null;
};
async function auditPage(query: Record<string, string>) {
  const response = await callRoute(
    auditLoader,
    getRequest(`/staff/audit?${new URLSearchParams(query)}`, { cookie: staffCookie }),
  );
  return { status: response.status, body: (await response.json()) as AuditBody };
}

/** A small RFC 4180 parser, so the test reads the CSV the way a spreadsheet would. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe("audit log", () => {
  it("filters by actor, action prefix, entity and date, newest first", async () => {
    const first = orders[0]!;
    const stripeRows = await auditPage({ actor: "stripe" });
    expect(stripeRows.body.result!.total).toBeGreaterThan(0);
    expect(stripeRows.body.result!.rows.every((r) => r.actorType === "STRIPE")).toBe(true);

    const paid = await auditPage({ action: "order." });
    expect(paid.body.result!.rows.map((r) => r.action)).toEqual(["order.paid", "order.paid", "order.paid"]);

    const one = await auditPage({ entityType: "order", entityId: first.id });
    expect(one.body.result!.rows.map((r) => r.action)).toEqual(["order.paid"]);

    const byStaff = await auditPage({ actor: staffEmail });
    expect(byStaff.body.result!.rows.map((r) => [r.action, r.actor?.email])).toEqual([["staff.note", staffEmail]]);
    expect((await auditPage({ actor: "nobody@example.com" })).body.result!.total).toBe(0);

    const today = new Date().toISOString().slice(0, 10);
    const all = await auditPage({});
    expect((await auditPage({ from: today, to: today })).body.result!.total).toBe(all.body.result!.total);
    expect((await auditPage({ to: "2020-01-01" })).body.result!.total).toBe(0);
    const inverted = await auditPage({ from: "2026-02-10", to: "2026-02-01" });
    expect(inverted.status).toBe(400);
    expect(inverted.body.errors!.to).toMatch(/end date is before the start date/);

    const total = await db().auditLog.count();
    expect(all.body.result!.total).toBe(total);
    const newest = await db().auditLog.findFirstOrThrow({ orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    expect(all.body.result!.rows[0]!.action).toBe(newest.action);
  });

  it("exports the filtered rows as CSV with a header, escaping commas, quotes and newlines", async () => {
    const tricky = 'Agent, "Smith"\nsecond line';
    await transaction((tx) =>
      audit(tx, {
        actor: { type: "SYSTEM", ip: "10.0.0.1", userAgent: tricky },
        action: "csv.check",
        entityType: "test",
        entityId: "=cmd()",
        amount: -250,
        currency: "usd",
        data: { note: "a, b", quote: 'say "hi"' },
      }),
    );
    const response = await callRoute(
      auditCsvLoader,
      getRequest("/staff/audit.csv?action=csv.", { cookie: staffCookie }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/csv/);
    expect(response.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const rows = parseCsv(await response.text());
    expect(rows[0]).toEqual([
      "time",
      "actor_type",
      "actor",
      "action",
      "entity_type",
      "entity_id",
      "order_id",
      "amount",
      "currency",
      "ip",
      "user_agent",
      "data",
    ]);
    expect(rows).toHaveLength(2);
    const row = rows[1]!;
    expect(row).toHaveLength(12);
    expect(row[1]).toBe("SYSTEM");
    expect(row[3]).toBe("csv.check");
    expect(row[5]).toBe("'=cmd()"); // neutralised for spreadsheets
    expect(row[7]).toBe("-250");
    expect(row[10]).toBe(tricky);
    expect(JSON.parse(row[11]!)).toEqual({ note: "a, b", quote: 'say "hi"' });

    const everything = await callRoute(auditCsvLoader, getRequest("/staff/audit.csv", { cookie: staffCookie }));
    const all = parseCsv(await everything.text());
    expect(all).toHaveLength((await db().auditLog.count()) + 1);
    expect(everything.headers.get("X-Audit-Rows")).toBe(String(all.length - 1));
    const staffOnly = parseCsv(
      await (
        await callRoute(auditCsvLoader, getRequest(`/staff/audit.csv?actor=${staffEmail}`, { cookie: staffCookie }))
      ).text(),
    );
    expect(staffOnly.slice(1).map((r) => [r[2], r[3]])).toEqual([[staffEmail, "staff.note"]]);
    const bad = await callRoute(
      auditCsvLoader,
      getRequest("/staff/audit.csv?from=2026-02-10&to=2026-02-01", { cookie: staffCookie }),
    );
    expect(bad.status).toBe(400);
  });
});
