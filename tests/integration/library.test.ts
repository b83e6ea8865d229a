// What buyers keep: library, downloads checked on every request, receipts; and a creator restricted by Stripe.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { loader as downloadLoader } from "#app/routes/_library+/library_.download.$entitlementId.ts";
import { action as libraryAction, loader as libraryLoader } from "#app/routes/_library+/library.tsx";
import { loader as receiptLoader } from "#app/routes/_library+/library_.orders.$number.tsx";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import {
  buyThroughCheckout,
  onboardedCreator,
  publishedMembership,
  publishedProduct,
} from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

let stripeEnv: TestStripe;
beforeAll(async () => {
  process.env.UPLOADS_DIR = path.join(process.cwd(), `data/test-uploads-${process.pid}-${Date.now()}`);
  stripeEnv = await startTestStripe();
});
afterAll(async () => {
  await stripeEnv?.stop();
  fs.rmSync(env().UPLOADS_DIR, { recursive: true, force: true });
});

async function purchase() {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedProduct(creator.id, { amount: 1500, currency: "eur" });
  fs.mkdirSync(env().UPLOADS_DIR, { recursive: true });
  const stored = `deliverables/${product.id}.txt`;
  fs.mkdirSync(path.join(env().UPLOADS_DIR, "deliverables"), { recursive: true });
  fs.writeFileSync(path.join(env().UPLOADS_DIR, stored), "the goods");
  await db().product.update({
    where: { id: product.id },
    data: {
      deliverablePath: stored,
      deliverableName: "guide.txt",
      deliverableMimeType: "text/plain",
      deliverableSizeBytes: 9,
    },
  });
  const { user } = await createUser();
  const cookie = await sessionCookie(user.id);
  await buyThroughCheckout(stripeEnv, user, product.id);
  const entitlement = await db().entitlement.findFirstOrThrow({ where: { userId: user.id } });
  const order = await db().order.findFirstOrThrow({ where: { buyerId: user.id } });
  return { creator, product, user, cookie, entitlement, order };
}

describe("library and downloads", () => {
  it("lists the purchase and serves the file to its owner only", async () => {
    const { cookie, entitlement } = await purchase();
    const library = await (await callRoute(libraryLoader, getRequest("/library", { cookie }))).json();
    expect(library.items).toHaveLength(1);
    expect(library.items[0]).toMatchObject({ id: entitlement.id, canDownload: true, statusText: "Ready to download" });

    const download = await callRoute(downloadLoader, getRequest(`/library/download/${entitlement.id}`, { cookie }), {
      entitlementId: entitlement.id,
    });
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Disposition")).toContain("guide.txt");
    expect(await download.text()).toBe("the goods");

    const stranger = await createUser();
    const refused = await callRoute(
      downloadLoader,
      getRequest(`/library/download/${entitlement.id}`, { cookie: await sessionCookie(stranger.user.id) }),
      { entitlementId: entitlement.id },
    );
    expect(refused.status).toBe(404);
  });

  it("checks the entitlement's state on every request: a frozen or revoked one downloads nothing", async () => {
    const { cookie, entitlement } = await purchase();
    for (const status of ["FROZEN", "REVOKED"] as const) {
      await db().entitlement.update({ where: { id: entitlement.id }, data: { status } });
      const response = await callRoute(downloadLoader, getRequest(`/library/download/${entitlement.id}`, { cookie }), {
        entitlementId: entitlement.id,
      });
      expect(response.status).toBe(403);
    }
  });

  it("shows a receipt to its buyer with amounts in the order's currency, and to nobody else", async () => {
    const { cookie, order } = await purchase();
    const receipt = await callRoute(receiptLoader, getRequest(`/library/orders/${order.number}`, { cookie }), {
      number: String(order.number),
    });
    expect(receipt.status).toBe(200);
    expect((await receipt.json()).order).toMatchObject({ totalAmount: 1500, currency: "eur", number: order.number });
    const stranger = await createUser();
    const hidden = await callRoute(
      receiptLoader,
      getRequest(`/library/orders/${order.number}`, { cookie: await sessionCookie(stranger.user.id) }),
      { number: String(order.number) },
    );
    expect(hidden.status).toBe(404);
  });
});

async function membership() {
  const { creator } = await onboardedCreator(stripeEnv.url);
  const product = await publishedMembership(creator.id, { monthly: 800 });
  const { user } = await createUser();
  const cookie = await sessionCookie(user.id);
  await buyThroughCheckout(stripeEnv, user, product.id);
  const row = await db().membership.findFirstOrThrow({ where: { buyerId: user.id }, include: { entitlement: true } });
  return { product, user, cookie, membership: row };
}

const manageBilling = (membershipId: string, cookie: string) =>
  callRoute(libraryAction, formRequest("/library", { intent: "manage-billing", membershipId }, { cookie }));

describe("memberships in the library", () => {
  it("is empty for a new buyer, and lists memberships apart from purchases", async () => {
    const { user } = await createUser();
    const empty = await (
      await callRoute(libraryLoader, getRequest("/library", { cookie: await sessionCookie(user.id) }))
    ).json();
    expect(empty).toMatchObject({ items: [], memberships: [] });

    const { cookie, membership: row } = await membership();
    const library = await (await callRoute(libraryLoader, getRequest("/library", { cookie }))).json();
    expect(library.items).toEqual([]);
    expect(library.memberships).toHaveLength(1);
    expect(library.memberships[0]).toMatchObject({ id: row.id, status: "ACTIVE", amount: 800, interval: "MONTH" });
    expect(library.memberships[0].invoices).toHaveLength(1);
  });

  it("opens the billing portal for the buyer's own membership only", async () => {
    const { cookie, membership: row } = await membership();
    const own = await manageBilling(row.id, cookie);
    expect(own.status).toBe(303);
    expect(own.headers.get("Location")!.startsWith(stripeEnv.url)).toBe(true);

    const stranger = await createUser();
    const refused = await manageBilling(row.id, await sessionCookie(stranger.user.id));
    expect(refused.status).toBe(404);
    const invalid = await callRoute(libraryAction, formRequest("/library", { intent: "something-else" }, { cookie }));
    expect(invalid.status).toBe(400);
  });

  it("says so kindly when Stripe can't be reached", async () => {
    const { cookie, membership: row } = await membership();
    await controls.injectFault(stripeEnv.url, {
      path: "/v1/billing_portal/sessions",
      method: "POST",
      count: 10,
      status: 500,
    });
    try {
      const failed = await manageBilling(row.id, cookie);
      expect(failed.status).toBe(502);
      expect(await failed.json()).toMatchObject({
        membershipId: row.id,
        error: expect.stringMatching(/couldn't reach our payment provider/),
      });
    } finally {
      await controls.clearFaults(stripeEnv.url);
    }
  });

  it("downloads a membership's file while its entitlement grants access, with the same owner check", async () => {
    const { product, cookie, membership: row } = await membership();
    const stored = `deliverables/${product.id}.txt`;
    fs.mkdirSync(path.join(env().UPLOADS_DIR, "deliverables"), { recursive: true });
    fs.writeFileSync(path.join(env().UPLOADS_DIR, stored), "issue one");
    await db().product.update({
      where: { id: product.id },
      data: { deliverablePath: stored, deliverableName: "issue.txt" },
    });
    const entitlementId = row.entitlement!.id;
    const fetchFile = (c: string) =>
      callRoute(downloadLoader, getRequest(`/library/download/${entitlementId}`, { cookie: c }), { entitlementId });
    expect((await fetchFile(cookie)).status).toBe(200);
    const stranger = await createUser();
    expect((await fetchFile(await sessionCookie(stranger.user.id))).status).toBe(404);
    const cases = [
      ["PAUSED", null, null],
      ["ENDED", null, /ended/],
      ["GRACE", new Date(Date.now() - 1000), /on hold until your payment/],
      ["FROZEN", null, /dispute/],
    ] as const;
    for (const [status, accessEndsAt, explained] of cases) {
      await db().entitlement.update({ where: { id: entitlementId }, data: { status, accessEndsAt } });
      expect((await fetchFile(cookie)).status).toBe(403);
      const library = await (await callRoute(libraryLoader, getRequest("/library", { cookie }))).json();
      expect(library.memberships[0].entitlementId).toBeNull();
      if (explained) expect(library.memberships[0].accessText).toMatch(explained);
      else expect(library.memberships[0].accessText).toBeNull();
    }
  });
});

describe("a creator restricted by Stripe", () => {
  it("stops selling, while what was already sold stays with its buyers", async () => {
    const { creator, product, user, entitlement } = await purchase();
    await controls.completeOnboarding(stripeEnv.url, creator.stripeAccountId!, "incomplete");
    await stripeEnv.settle();
    const restricted = await db().creatorAccount.findUniqueOrThrow({ where: { id: creator.id } });
    expect(restricted.onboardingStatus).toBe("RESTRICTED");
    expect(restricted.chargesEnabled).toBe(false);

    const other = await createUser();
    await expect(
      startCheckout({ buyer: other.user, productId: product.id, appUrl: "http://localhost:3000", actor: SYSTEM_ACTOR }),
    ).rejects.toMatchObject({ code: "creator_cannot_charge" });
    expect((await db().entitlement.findUniqueOrThrow({ where: { id: entitlement.id } })).status).toBe("ACTIVE");
    expect(await db().order.count({ where: { buyerId: user.id } })).toBe(1);
  });
});
