// Attack suite, section "leaks" (issue 12): what buyer- and creator-facing loaders send to the browser. Everything a
// Remix loader returns reaches the `.data` response whether the page shows it or not, so each check reads the whole
// JSON text of a loader's response: after a staff refund with a note, a buyer's receipt (and every other page of
// theirs) holds none of the note, the staff's id, the platform fee, the creator's share, Stripe's fee or any Stripe
// id; creators see their own figures but not buyers' emails or staff notes; order numbers beyond a 32-bit integer are
// a 404 with nothing written; `/creator?error=` shows only messages of known codes.
import { describe, expect, it } from "vitest";
import { declineRefundRequest } from "#app/domain/refund-requests.server.ts";
import { STUDIO_ERRORS } from "#app/domain/studio-errors.ts";
import { loader as rootLoader } from "#app/root.tsx";
import { loader as successLoader } from "#app/routes/_shop+/checkout_.success.tsx";
import { loader as studioLoader } from "#app/routes/creator+/_index.tsx";
import { loader as creatorDashboardLoader } from "#app/routes/creator+/dashboard.tsx";
import { loader as libraryLoader } from "#app/routes/_library+/library.tsx";
import { loader as receiptLoader } from "#app/routes/_library+/library_.orders.$number.tsx";
import {
  action as refundRequestAction,
  loader as refundRequestLoader,
} from "#app/routes/_library+/library_.orders.$number_.refund.tsx";
import { action as staffRefundAction } from "#app/routes/staff+/orders.$orderId.refund.tsx";
import { db } from "#app/utils/db.server.ts";
import { buyThroughCheckout, onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { testApp, testStripe } from "./context.ts";

/** Stripe ids of charges, payment intents, transfers (and their reversals), refunds, accounts, balance transactions. */
const STRIPE_ID = /(?<![A-Za-z0-9])(ch|py|pi|tr|trr|re|acct|txn|cs|cus)_[A-Za-z0-9]{4,}/;
/** Column names that only staff (and the creator's own dashboard) may read. */
const INTERNAL_KEYS = [
  "applicationFeeAmount",
  "applicationFeeRefunded",
  "applicationFeeRefundAmount",
  "creatorAmount",
  "stripeFeeAmount",
  "feeBps",
  "transferReversalAmount",
  "transferReversedAmount",
  "requestedById",
  "decidedById",
  "staffNote",
  "reason",
  "buyerId",
  "creatorId",
];

/** Every number in a JSON document except order numbers (which are only counters and may be anything). */
function numbersIn(value: unknown, key = ""): number[] {
  if (typeof value === "number") return key === "number" || key === "orderNumber" ? [] : [value];
  if (Array.isArray(value)) return value.flatMap((v) => numbersIn(v, key));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => numbersIn(v, k));
  return [];
}

interface Secrets {
  note: string;
  staffIds: string[];
  /** Amounts the buyer must never see: fee, creator share, Stripe fee, fee rate. */
  amounts: number[];
}

async function expectNoLeak(response: Response, secrets: Secrets, what: string) {
  expect(response.status, what).toBe(200);
  const text = await response.text();
  expect(text, `${what}: staff note`).not.toContain(secrets.note);
  for (const id of secrets.staffIds) expect(text, `${what}: staff id`).not.toContain(id);
  expect(text, `${what}: Stripe id`).not.toMatch(STRIPE_ID);
  for (const key of INTERNAL_KEYS) expect(text, `${what}: ${key}`).not.toContain(`"${key}"`);
  const numbers = numbersIn(JSON.parse(text));
  for (const amount of secrets.amounts) expect(numbers, `${what}: the amount ${amount}`).not.toContain(amount);
  return JSON.parse(text) as Record<string, unknown>;
}

async function paidOrder(amount = 4_321) {
  const stripe = testStripe();
  const { creator, user: creatorUser } = await onboardedCreator(stripe.url);
  const product = await publishedProduct(creator.id, { amount, currency: "usd" });
  const { user } = await createUser();
  const cookie = await sessionCookie(user.id);
  await buyThroughCheckout(stripe, user, product.id);
  const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id }, include: { items: true } });
  return { creator, creatorUser, product, user, cookie, order };
}

/** A paid order, partly refunded by staff through the refund form with a note only staff should ever read. */
async function refundedWithNote() {
  const paid = await paidOrder();
  const { order } = paid;
  const { user: staff } = await createUser({ role: "STAFF" });
  const note = `Buyer threatened a chargeback on the phone, see ticket ${crypto.randomUUID().slice(0, 8)}`;
  const refunded = await callRoute(
    staffRefundAction,
    formRequest(
      `/staff/orders/${order.id}/refund`,
      {
        amount: "1000",
        reason: "duplicate",
        note,
        reverseTransfer: "true",
        refundApplicationFee: "true",
        expectedRefunded: "0",
        requestKey: crypto.randomUUID(),
      },
      { cookie: await sessionCookie(staff.id) },
    ),
    { orderId: order.id },
  );
  expect(refunded.status).toBe(303);
  await testStripe().settle();
  const refund = await db().refund.findFirstOrThrow({ where: { orderId: order.id } });
  // The note is there for staff, in its own column; the reason stays a code.
  expect(refund).toMatchObject({ staffNote: note, reason: "duplicate", requestedById: staff.id, status: "SUCCEEDED" });
  expect(refund.stripeRefundId).toMatch(/^re_/);
  const secrets: Secrets = {
    note,
    staffIds: [staff.id],
    amounts: [
      order.applicationFeeAmount,
      order.creatorAmount,
      order.stripeFeeAmount!,
      order.items[0]!.feeBps,
      refund.applicationFeeRefundAmount,
    ],
  };
  // The secrets are real and distinct from what the buyer may see (the total, the refund, what's left).
  expect(secrets.amounts.every((a) => a > 0 && ![order.totalAmount, 1000, order.totalAmount - 1000].includes(a))).toBe(
    true,
  );
  return { ...paid, staff, note, refund, secrets };
}

async function snapshot() {
  const [orders, refunds, requests, audit] = await Promise.all([
    db().order.count(),
    db().refund.count(),
    db().refundRequest.count(),
    db().auditLog.count(),
  ]);
  return { orders, refunds, requests, audit };
}

describe("attacks: buyer-facing loaders leak staff notes and internals", () => {
  it("a buyer's receipt after a staff refund with a note holds no note, staff id, fee, creator share, Stripe fee or Stripe id", async () => {
    const { order, cookie, secrets } = await refundedWithNote();
    const response = await callRoute(receiptLoader, getRequest(`/library/orders/${order.number}.data`, { cookie }), {
      number: String(order.number),
    });
    const body = await expectNoLeak(response, secrets, "receipt");
    // What the page shows, still there: number, date, items, totals, the refund as amount, status and date.
    expect(body.order).toMatchObject({
      number: order.number,
      currency: "usd",
      totalAmount: order.totalAmount,
      refundedAmount: 1000,
      items: [{ title: order.items[0]!.productTitle, amount: order.totalAmount }],
      refunds: [{ amount: 1000, status: "SUCCEEDED", createdAt: expect.any(String) }],
    });
  });

  it("the library, the refund-request page, the success page and every page's root data hold none of it either", async () => {
    const { order, user, cookie, secrets } = await refundedWithNote();
    const checks: [string, Promise<Response>][] = [
      ["library", callRoute(libraryLoader, getRequest("/library.data", { cookie }))],
      [
        "refund request page",
        callRoute(refundRequestLoader, getRequest(`/library/orders/${order.number}/refund.data`, { cookie }), {
          number: String(order.number),
        }),
      ],
      [
        "success page",
        callRoute(
          successLoader,
          getRequest(`/checkout/success.data?session_id=${order.stripeCheckoutSessionId}`, { cookie }),
        ),
      ],
      ["root", callRoute(rootLoader, getRequest("/library.data", { cookie }))],
    ];
    for (const [what, pending] of checks) await expectNoLeak(await pending, secrets, what);
    // The root data is on every page: the header's name and role, not the account's id or email.
    const root = await (await callRoute(rootLoader, getRequest("/", { cookie }))).text();
    expect(root).not.toContain(user.id);
    expect(root).not.toContain(user.email);
  });

  it("a declined refund request shows the buyer staff's message to them, not who on staff declined it", async () => {
    const { order, user, cookie } = await paidOrder();
    const { user: staff } = await createUser({ role: "STAFF" });
    const asked = await callRoute(
      refundRequestAction,
      formRequest(
        `/library/orders/${order.number}/refund`,
        { reason: "The file would not open on my machine" },
        { cookie },
      ),
      { number: String(order.number) },
    );
    expect(asked.status).toBe(303);
    const request = await db().refundRequest.findFirstOrThrow({ where: { buyerId: user.id } });
    await declineRefundRequest({
      requestId: request.id,
      message: "Please try the PDF viewer we linked.",
      actor: { type: "USER", id: staff.id },
    });
    const response = await callRoute(receiptLoader, getRequest(`/library/orders/${order.number}.data`, { cookie }), {
      number: String(order.number),
    });
    const text = await response.text();
    expect(JSON.parse(text).order.refundRequest).toEqual({
      status: "DECLINED",
      message: "Please try the PDF viewer we linked.",
    });
    expect(text).not.toContain(staff.id);
    expect(text).not.toMatch(STRIPE_ID);
  });
});

describe("attacks: creator-facing loaders leak buyers' data and staff notes", () => {
  it("the creator's dashboard shows their orders and refunds without the buyer's email, staff's note or staff's id", async () => {
    const { creatorUser, user, note, staff, order } = await refundedWithNote();
    const cookie = await sessionCookie(creatorUser.id);
    const response = await callRoute(creatorDashboardLoader, getRequest("/creator/dashboard.data", { cookie }));
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.dashboard.recentOrders).toEqual([
      expect.objectContaining({ number: order.number, totalAmount: order.totalAmount }),
    ]);
    expect(body.dashboard.refunds).toEqual([
      expect.objectContaining({ orderNumber: order.number, amount: 1000, status: "SUCCEEDED" }),
    ]);
    expect(text).not.toContain(note);
    expect(text).not.toContain(user.email);
    expect(text).not.toContain(staff.id);
    expect(text).not.toContain('"reason"');
  });

  it("the creator studio shows the creator's own fee rate but not their ids or Stripe account id", async () => {
    const { creator, user } = await onboardedCreator(testStripe().url);
    const text = await (
      await callRoute(studioLoader, getRequest("/creator.data", { cookie: await sessionCookie(user.id) }))
    ).text();
    expect(JSON.parse(text)).toMatchObject({
      account: { onboardingStatus: "ACTIVE", hasStripeAccount: true },
      fee: { bps: expect.any(Number) },
    });
    expect(text).not.toContain(creator.stripeAccountId!);
    expect(text).not.toContain(creator.id);
    expect(text).not.toMatch(STRIPE_ID);
    // (The user's id is in the test creator's public slug, `shop-<id>`, so it can't be checked here.)
    expect(text).not.toContain('"id"');
  });
});

describe("attacks: order numbers beyond a 32-bit integer", () => {
  const NOT_ORDER_NUMBERS = [
    "2147483648",
    "4294967296",
    "99999999999999999999",
    "9007199254740993",
    "0",
    "-1",
    "1e3",
    "00042",
    "0x10",
    "1.0",
    " 1",
  ];

  it("answer 404 on the receipt and its refund page, and a refund request for one writes nothing", async () => {
    const { cookie } = await paidOrder();
    for (const number of NOT_ORDER_NUMBERS) {
      const before = await snapshot();
      const path = `/library/orders/${encodeURIComponent(number)}`;
      expect(
        (await callRoute(receiptLoader, getRequest(path, { cookie }), { number })).status,
        `receipt ${number}`,
      ).toBe(404);
      expect(
        (await callRoute(refundRequestLoader, getRequest(`${path}/refund`, { cookie }), { number })).status,
        `refund page ${number}`,
      ).toBe(404);
      const posted = await callRoute(
        refundRequestAction,
        formRequest(`${path}/refund`, { reason: "Please refund this order, it never arrived" }, { cookie }),
        { number },
      );
      expect(posted.status, `refund request ${number}`).toBe(404);
      expect(await snapshot(), `refund request ${number} wrote something`).toEqual(before);
    }
    // The largest order number there can be is still just an order that doesn't exist.
    expect(
      (await callRoute(receiptLoader, getRequest("/library/orders/2147483647", { cookie }), { number: "2147483647" }))
        .status,
    ).toBe(404);
  });

  it("answer 404 from the running app, for the page and its .data", async () => {
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    for (const path of [
      "/library/orders/2147483648",
      "/library/orders/2147483648.data",
      "/library/orders/2147483648/refund",
    ]) {
      const response = await fetch(`${testApp().url}${path}`, { headers: { Cookie: cookie }, redirect: "manual" });
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
  });
});

describe("attacks: /creator?error= shows any text it is given", () => {
  const INJECTED = ["<script>alert(1)</script>", "Your account is locked. Call +1 555 0100 to unlock it."];

  it("the studio shows nothing of an unknown error, and the message of a known code", async () => {
    const { user } = await onboardedCreator(testStripe().url);
    const cookie = await sessionCookie(user.id);
    for (const error of [...INJECTED, "stripe_busy ", "toString", "__proto__"]) {
      const text = await (
        await callRoute(studioLoader, getRequest(`/creator.data?${new URLSearchParams({ error })}`, { cookie }))
      ).text();
      expect(JSON.parse(text).error, error).toBeNull();
      expect(text).not.toContain("alert(1)");
      expect(text).not.toContain("555 0100");
    }
    const known = await callRoute(studioLoader, getRequest("/creator.data?error=stripe_unreachable", { cookie }));
    expect((await known.json()).error).toBe(STUDIO_ERRORS.stripe_unreachable);
  });

  it("the running app's studio page holds nothing of the injected text", async () => {
    const { user } = await onboardedCreator(testStripe().url);
    const cookie = await sessionCookie(user.id);
    for (const error of INJECTED) {
      const response = await fetch(`${testApp().url}/creator?${new URLSearchParams({ error })}`, {
        headers: { Cookie: cookie },
      });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("Creator studio");
      expect(html).not.toContain("alert(1)");
      expect(html).not.toContain("555 0100");
    }
  });
});
