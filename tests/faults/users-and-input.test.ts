// Fault suite: people misbehave — repeated clicks, two tabs, the back button, tampered fields, other people's URLs,
// and hostile input in every form and route parameter. Clear 4xx, nothing written, never a 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as checkoutAction } from "#app/routes/_shop+/checkout.tsx";
import { action as signupAction } from "#app/routes/_auth+/signup.tsx";
import { action as loginAction } from "#app/routes/_auth+/login.tsx";
import { action as refundAction, loader as refundLoader } from "#app/routes/staff+/orders.$orderId.refund.tsx";
import { action as refundRequestAction } from "#app/routes/_library+/library_.orders.$number_.refund.tsx";
import { loader as receiptLoader } from "#app/routes/_library+/library_.orders.$number.tsx";
import { loader as successLoader } from "#app/routes/_shop+/checkout_.success.tsx";
import { loader as ordersLoader } from "#app/routes/staff+/orders._index.tsx";
import { loader as auditLoader } from "#app/routes/staff+/audit.tsx";
import { loader as downloadLoader } from "#app/routes/_library+/library_.download.$entitlementId.ts";
import { action as requestsAction } from "#app/routes/staff+/refund-requests.tsx";
import { db } from "#app/utils/db.server.ts";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { buyThroughCheckout, onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
});
afterAll(async () => {
  await expectMarketplaceInvariants(stripeEnv.url, stripeEnv.emulator.secretKey);
  await stripeEnv?.stop();
});

const HOSTILE = [
  "",
  " ",
  "x".repeat(10_000),
  "-1",
  "-0.01",
  "1e9",
  "NaN",
  "0x10",
  "Zoë 🦄 ∑",
  "'; DROP TABLE users; --",
  "<script>alert(1)</script>",
  "${7*7}{{7*7}}",
  "../../etc/passwd",
  "\u0000\u202e",
  "[object Object]",
];

async function snapshot() {
  const [users, sessions, attempts, orders, refunds, requests] = await Promise.all([
    db().user.count(),
    db().session.count(),
    db().checkoutAttempt.count(),
    db().order.count(),
    db().refund.count(),
    db().refundRequest.count(),
  ]);
  return { users, sessions, attempts, orders, refunds, requests };
}

async function paidOrder() {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedProduct(creator.id, { amount: 3_000, currency: "usd" });
  const { user } = await createUser();
  const cookie = await sessionCookie(user.id);
  await buyThroughCheckout(stripeEnv, user, product.id);
  const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id }, include: { entitlements: true } });
  return { creator, product, user, cookie, order };
}

describe("repeated clicks, tabs and the back button", () => {
  it("a triple click on Buy opens one checkout", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id);
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    const responses = await Promise.all(
      [1, 2, 3].map(() => callRoute(checkoutAction, formRequest("/checkout", { productId: product.id }, { cookie }))),
    );
    expect(responses.map((r) => r.status)).toEqual([303, 303, 303]);
    expect(new Set(responses.map((r) => r.headers.get("Location"))).size).toBe(1);
    expect(await db().checkoutAttempt.count({ where: { buyerId: user.id } })).toBe(1);
  });

  it("after paying, Back and Buy again says the product is owned; the old success link still shows the order", async () => {
    const { product, cookie, order } = await paidOrder();
    const again = await callRoute(checkoutAction, formRequest("/checkout", { productId: product.id }, { cookie }));
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatch(/already own/);
    const success = await callRoute(
      successLoader,
      getRequest(`/checkout/success?session_id=${order.stripeCheckoutSessionId}`, { cookie }),
    );
    expect((await success.json()).order.number).toBe(order.number);
    expect(await db().order.count({ where: { buyerId: order.buyerId } })).toBe(1);
  });

  it("a triple click on Confirm refund makes one refund", async () => {
    const { order } = await paidOrder();
    const { user: staff } = await createUser({ role: "STAFF" });
    const cookie = await sessionCookie(staff.id);
    const form = {
      amount: "1000",
      reason: "requested_by_customer",
      reverseTransfer: "true",
      refundApplicationFee: "true",
      expectedRefunded: "0",
      requestKey: crypto.randomUUID(),
    };
    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        callRoute(refundAction, formRequest(`/staff/orders/${order.id}/refund`, form, { cookie }), {
          orderId: order.id,
        }),
      ),
    );
    expect(responses.every((r) => r.status === 303)).toBe(true);
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(1);
    await stripeEnv.settle();
  });
});

describe("tampered fields and other people's things", () => {
  it("ignores a tampered price and a role smuggled into sign-up", async () => {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const product = await publishedProduct(creator.id, { amount: 2_500, currency: "usd" });
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    await callRoute(
      checkoutAction,
      formRequest(
        "/checkout",
        { productId: product.id, amount: "1", price: "1", unit_amount: "1", application_fee_amount: "0" },
        { cookie },
      ),
    );
    const attempt = await db().checkoutAttempt.findFirstOrThrow({ where: { buyerId: user.id } });
    expect(attempt.amount).toBe(2_500);
    expect(attempt.applicationFeeAmount).toBe(375);

    const signup = await callRoute(
      signupAction,
      formRequest("/signup", {
        name: "Mallory",
        email: "mallory@example.com",
        password: "long-enough-password",
        accountType: "BUYER",
        role: "STAFF",
      }),
    );
    expect(signup.status).toBe(302);
    expect((await db().user.findUniqueOrThrow({ where: { email: "mallory@example.com" } })).role).toBe("BUYER");
  });

  it("refuses a tampered refund amount above the remainder, and a refund posted by a non-staff user", async () => {
    const { order, cookie: buyerCookie } = await paidOrder();
    const { user: staff } = await createUser({ role: "STAFF" });
    const cookie = await sessionCookie(staff.id);
    const base = {
      reason: "requested_by_customer",
      reverseTransfer: "true",
      refundApplicationFee: "true",
      expectedRefunded: "0",
    };
    const over = await callRoute(
      refundAction,
      formRequest(
        `/staff/orders/${order.id}/refund`,
        { ...base, amount: "3001", requestKey: crypto.randomUUID() },
        { cookie },
      ),
      { orderId: order.id },
    );
    expect(over.status).toBe(409);
    const negative = await callRoute(
      refundAction,
      formRequest(
        `/staff/orders/${order.id}/refund`,
        { ...base, amount: "-5", requestKey: crypto.randomUUID() },
        { cookie },
      ),
      { orderId: order.id },
    );
    expect(negative.status).toBe(400);
    const asBuyer = await callRoute(
      refundAction,
      formRequest(
        `/staff/orders/${order.id}/refund`,
        { ...base, amount: "100", requestKey: crypto.randomUUID() },
        { cookie: buyerCookie },
      ),
      { orderId: order.id },
    );
    expect(asBuyer.status).toBe(403);
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(0);
  });

  it("keeps other people's receipts, downloads, success pages and refund requests out of reach", async () => {
    const { order, user } = await paidOrder();
    const { user: stranger } = await createUser();
    const cookie = await sessionCookie(stranger.id);
    const entitlement = order.entitlements[0]!;
    expect(
      (
        await callRoute(receiptLoader, getRequest(`/library/orders/${order.number}`, { cookie }), {
          number: String(order.number),
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await callRoute(downloadLoader, getRequest(`/library/download/${entitlement.id}`, { cookie }), {
          entitlementId: entitlement.id,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await callRoute(
          successLoader,
          getRequest(`/checkout/success?session_id=${order.stripeCheckoutSessionId}`, { cookie }),
        )
      ).status,
    ).toBe(404);
    const before = await snapshot();
    const request = await callRoute(
      refundRequestAction,
      formRequest(
        `/library/orders/${order.number}/refund`,
        { reason: "I would like my money back please" },
        { cookie },
      ),
      { number: String(order.number) },
    );
    expect(request.status).toBe(404);
    expect(await snapshot()).toEqual(before);
    expect(user.id).not.toBe(stranger.id);
  });
});

describe("hostile input everywhere", () => {
  it("sign-up, login, checkout and refund requests answer 4xx or succeed for valid text — never 500, nothing written on 4xx", async () => {
    const { order, cookie: buyerCookie } = await paidOrder();
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    const forms: {
      name: string;
      call: (fields: Record<string, string>) => Promise<Response>;
      valid: Record<string, string>;
    }[] = [
      {
        name: "signup",
        call: (f) => callRoute(signupAction, formRequest("/signup", f)),
        valid: {
          name: "Valid Name",
          email: `fuzz-${Date.now()}@example.com`,
          password: "long-enough-password",
          accountType: "BUYER",
        },
      },
      {
        name: "login",
        call: (f) =>
          callRoute(
            loginAction,
            formRequest("/login", f, {
              ip: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
            }),
          ),
        valid: { email: "nobody@example.com", password: "whatever-password" },
      },
      {
        name: "checkout",
        call: (f) => callRoute(checkoutAction, formRequest("/checkout", f, { cookie })),
        valid: { productId: "does-not-exist" },
      },
      {
        name: "refund request",
        call: (f) =>
          callRoute(
            refundRequestAction,
            formRequest(`/library/orders/${order.number}/refund`, f, { cookie: buyerCookie }),
            { number: String(order.number) },
          ),
        valid: { reason: "" },
      },
    ];
    for (const form of forms) {
      for (const field of Object.keys(form.valid)) {
        for (const value of HOSTILE) {
          const before = await snapshot();
          const response = await form.call({ ...form.valid, [field]: value });
          expect(response.status, `${form.name}.${field}=${JSON.stringify(value.slice(0, 30))}`).toBeLessThan(500);
          if (response.status >= 400) expect(await snapshot(), `${form.name}.${field} wrote something`).toEqual(before);
        }
      }
    }
  });

  it("route and query parameters with hostile values answer 4xx or an empty result, never 500", async () => {
    const { user: staff } = await createUser({ role: "STAFF" });
    const staffCookie = await sessionCookie(staff.id);
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    for (const value of HOSTILE) {
      const q = encodeURIComponent(value);
      const checks: [string, Promise<Response>][] = [
        ["receipt", callRoute(receiptLoader, getRequest(`/library/orders/${q}`, { cookie }), { number: value })],
        [
          "download",
          callRoute(downloadLoader, getRequest(`/library/download/${q}`, { cookie }), { entitlementId: value }),
        ],
        ["success", callRoute(successLoader, getRequest(`/checkout/success?session_id=${q}`, { cookie }))],
        [
          "refund page",
          callRoute(refundLoader, getRequest(`/staff/orders/${q}/refund?amount=${q}`, { cookie: staffCookie }), {
            orderId: value,
          }),
        ],
        [
          "orders search",
          callRoute(
            ordersLoader,
            getRequest(`/staff/orders?q=${q}&status=${q}&from=${q}&page=${q}`, { cookie: staffCookie }),
          ),
        ],
        [
          "audit",
          callRoute(
            auditLoader,
            getRequest(`/staff/audit?actor=${q}&action=${q}&from=${q}&page=${q}`, { cookie: staffCookie }),
          ),
        ],
        [
          "refund decision",
          callRoute(
            requestsAction,
            formRequest(
              "/staff/refund-requests",
              { intent: value, requestId: value, message: value },
              { cookie: staffCookie },
            ),
          ),
        ],
      ];
      for (const [name, pending] of checks) {
        const response = await pending;
        expect(response.status, `${name} with ${JSON.stringify(value.slice(0, 30))}`).toBeLessThan(500);
      }
    }
  });
});
