// Attack suite, hostile input (issue 12, items 1–5 and 7): file names the multipart parser cannot read, dates and page
// numbers no one means, signed webhook bodies that are not events, GETs that wrote, and forms with endless parts.
// Each answers a clear 4xx with nothing written, never a 500. Route actions and loaders with the real database; the
// Stripe emulator is the suite's (testStripe()).
import fs from "node:fs";
import path from "node:path";
import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { attachmentDisposition, cleanFileName, MAX_FORM_PARTS, uploadsRoot } from "#app/domain/uploads.server.ts";
import { action as newProductAction } from "#app/routes/creator+/products.new.tsx";
import { loader as downloadLoader } from "#app/routes/_library+/library_.download.$entitlementId.ts";
import { loader as homeLoader } from "#app/routes/_shop+/_index.tsx";
import { loader as creatorPageLoader } from "#app/routes/_shop+/c.$slug.tsx";
import { loader as ownProductsLoader } from "#app/routes/creator+/products._index.tsx";
import { loader as creatorDashboardLoader } from "#app/routes/creator+/dashboard.tsx";
import { loader as creatorCsvLoader } from "#app/routes/creator+/dashboard[.]csv.tsx";
import { loader as staffDashboardLoader } from "#app/routes/staff+/dashboard.tsx";
import { loader as staffCsvLoader } from "#app/routes/staff+/dashboard[.]csv.tsx";
import { loader as ordersLoader } from "#app/routes/staff+/orders._index.tsx";
import { loader as auditLoader } from "#app/routes/staff+/audit.tsx";
import { loader as auditCsvLoader } from "#app/routes/staff+/audit[.]csv.ts";
import { loader as disputesLoader } from "#app/routes/staff+/disputes._index.tsx";
import { loader as refundRequestsLoader } from "#app/routes/staff+/refund-requests.tsx";
import { action as cancelAction, loader as cancelLoader } from "#app/routes/_shop+/checkout_.cancel.tsx";
import { loader as onboardingRefreshLoader } from "#app/routes/creator+/onboarding_.refresh.tsx";
import { action as webhookAction } from "#app/routes/api+/webhooks.stripe.ts";
import { db } from "#app/utils/db.server.ts";
import { reloadEnv } from "#app/utils/env.server.ts";
import {
  creatorWithAccount,
  file,
  filesUnder,
  PDF_BYTES,
  productFormRequest,
  useTemporaryUploadsDir,
  validProductFields,
} from "#tests/helpers/catalog.ts";
import { buyThroughCheckout, onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie, TEST_ORIGIN } from "#tests/helpers/requests.ts";
import { testStripe } from "./context.ts";

// Uploads go to a temporary directory of this file's (another section may have set one already: keep it).
if (!/uploads-/.test(process.env.UPLOADS_DIR ?? "")) useTemporaryUploadsDir();

const stripeNode = new Stripe("sk_test_signing_only");

async function productCounts() {
  return {
    products: await db().product.count(),
    prices: await db().price.count(),
    files: filesUnder(uploadsRoot()).length,
  };
}

/** Buys the product through Checkout on the emulator (a real paid order) and fetches its download as the buyer. */
async function downloadAsBuyer(productId: string) {
  const { user } = await createUser();
  await buyThroughCheckout(testStripe(), user, productId);
  const entitlement = await db().entitlement.findFirstOrThrow({ where: { userId: user.id } });
  return callRoute(
    downloadLoader,
    getRequest(`/library/download/${entitlement.id}`, { cookie: await sessionCookie(user.id) }),
    {
      entitlementId: entitlement.id,
    },
  );
}

async function staffCookie() {
  const { user } = await createUser({ role: "STAFF" });
  return sessionCookie(user.id);
}

describe("hostile input: upload file names (item 1)", () => {
  beforeAll(() => void reloadEnv());

  it.each([
    ["a semicolon", "notes; draft.pdf"],
    ["an equals sign", "a=b.pdf"],
    ["a smuggled parameter", 'x.pdf"; name="cover'],
    ["both", "report;v=2.pdf"],
  ])("refuses a deliverable whose name has %s with a 400 and keeps nothing", async (_, name) => {
    const { cookie } = await creatorWithAccount();
    const before = await productCounts();
    const response = await callRoute(
      newProductAction,
      productFormRequest(
        "/creator/products/new",
        validProductFields,
        { deliverable: file(PDF_BYTES, name, "application/pdf") },
        { cookie },
      ),
    );
    expect(response.status).toBe(400);
    expect((await response.json()).formError).toMatch(/rename the file/);
    expect(await productCounts()).toEqual(before);
  });

  it("refuses a cover whose name has ; or = the same way", async () => {
    const { cookie } = await creatorWithAccount();
    const before = await productCounts();
    const response = await callRoute(
      newProductAction,
      productFormRequest(
        "/creator/products/new",
        validProductFields,
        { cover: file(PDF_BYTES, "cover;1=2.png", "image/png") },
        { cookie },
      ),
    );
    expect(response.status).toBe(400);
    expect(await productCounts()).toEqual(before);
  });

  it("refuses a truncated multipart body with a 400 instead of failing", async () => {
    const { cookie } = await creatorWithAccount();
    const before = await productCounts();
    const boundary = "----hostile";
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nHalf a form`;
    const response = await callRoute(
      newProductAction,
      new Request(`${TEST_ORIGIN}/creator/products/new`, {
        method: "POST",
        headers: { Origin: TEST_ORIGIN, Cookie: cookie, "Content-Type": `multipart/form-data; boundary=${boundary}` },
        body,
      }),
    );
    expect(response.status).toBe(400);
    expect(await productCounts()).toEqual(before);
  });

  it("keeps a long name with emoji whole (never half a surrogate pair), and the buyer downloads it under that name", async () => {
    const { user, creator } = await onboardedCreator(testStripe().url);
    const name = `${"🦄".repeat(150)}x.pdf`;
    const response = await callRoute(
      newProductAction,
      productFormRequest(
        "/creator/products/new",
        validProductFields,
        { deliverable: file(PDF_BYTES, name, "application/pdf") },
        {
          cookie: await sessionCookie(user.id),
        },
      ),
    );
    expect(response.status).toBe(302);
    const created = await db().product.findFirstOrThrow({ where: { creatorId: creator.id } });
    const product = await db().product.update({
      where: { id: created.id },
      data: { published: true, publishedAt: new Date() },
    });
    // 155 characters (code points) are within the 200 kept: the whole name, not 200 UTF-16 units starting mid-emoji.
    expect(product.deliverableName).toBe(name);
    const download = await downloadAsBuyer(product.id);
    expect(download.status).toBe(200);
    const header = download.headers.get("Content-Disposition")!;
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)$/.exec(header)![1]!)).toBe(name);
  });

  it("downloads a stored name with ; = ' ( ) * and accents under RFC 6266: exact UTF-8 name and an ASCII fallback", async () => {
    const { creator } = await onboardedCreator(testStripe().url);
    const product = await publishedProduct(creator.id);
    const name = 'Zoë\'s (final) notes*; v=2 "100%".pdf';
    fs.mkdirSync(path.join(uploadsRoot(), "deliverables"), { recursive: true });
    fs.writeFileSync(path.join(uploadsRoot(), `deliverables/${product.id}.pdf`), PDF_BYTES);
    await db().product.update({
      where: { id: product.id },
      data: {
        deliverablePath: `deliverables/${product.id}.pdf`,
        deliverableName: name,
        deliverableMimeType: "application/pdf",
        deliverableSizeBytes: PDF_BYTES.length,
      },
    });
    const download = await downloadAsBuyer(product.id);
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Disposition")).toBe(
      `attachment; filename="Zoe's (final) notes*; v=2 100_.pdf"; filename*=UTF-8''Zo%C3%AB%27s%20%28final%29%20notes%2A%3B%20v%3D2%20100%25.pdf`,
    );
    // The exact name comes back from filename* (the quote is gone: cleanFileName drops it).
    expect(decodeURIComponent("Zo%C3%AB%27s%20%28final%29%20notes%2A%3B%20v%3D2%20100%25.pdf")).toBe(
      cleanFileName(name),
    );
  });

  it("builds header values with no control or bidi characters from any name", () => {
    for (const name of ["\u0000evil\r\n.pdf", "invoice\u202Efdp.exe", "\ud800lonely.pdf", "", "../../etc/passwd"]) {
      const header = attachmentDisposition(name);
      // eslint-disable-next-line no-control-regex
      expect(header).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(header).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
    }
  });
});

describe("hostile input: dates (item 2)", () => {
  const ranges = [
    ["year 0", "0000-01-01", "0000-01-31"],
    ["year 9999", "9999-12-01", "9999-12-31"],
    ["year 9997", "9997-01-01", "9997-01-31"],
    ["before 2000", "1999-12-30", "2000-01-02"],
    ["after 2100", "2100-12-30", "2101-01-02"],
  ] as const;

  it.each(ranges)("answers the dashboards and their CSVs with a 400 for %s", async (_, from, to) => {
    const { cookie: creatorCookie } = await creatorWithAccount();
    const staff = await staffCookie();
    const query = `?range=custom&from=${from}&to=${to}`;
    const creator = await callRoute(
      creatorDashboardLoader,
      getRequest(`/creator/dashboard${query}`, { cookie: creatorCookie }),
    );
    expect(creator.status).toBe(400);
    expect(JSON.stringify((await creator.json()).rangeErrors)).toMatch(/from 2000 to 2100/);
    const platform = await callRoute(staffDashboardLoader, getRequest(`/staff/dashboard${query}`, { cookie: staff }));
    expect(platform.status).toBe(400);
    const creatorCsv = await callRoute(
      creatorCsvLoader,
      getRequest(`/creator/dashboard.csv${query}`, { cookie: creatorCookie }),
    );
    expect(creatorCsv.status).toBe(400);
    expect(await creatorCsv.text()).toMatch(/from 2000 to 2100/);
    const platformCsv = await callRoute(staffCsvLoader, getRequest(`/staff/dashboard.csv${query}`, { cookie: staff }));
    expect(platformCsv.status).toBe(400);
  });

  it.each(["0000-01-01", "9999-12-31", "9997-01-01", "1999-12-31", "2101-01-01"])(
    "answers the staff order search, the audit log and its CSV with a 400 for %s",
    async (day) => {
      const staff = await staffCookie();
      for (const query of [`?from=${day}`, `?to=${day}`, `?from=${day}&to=${day}`]) {
        const orders = await callRoute(ordersLoader, getRequest(`/staff/orders${query}`, { cookie: staff }));
        expect(orders.status, `orders ${query}`).toBe(400);
        const errors = (await orders.json()).errors;
        expect(errors.from ?? errors.to).toMatch(/from 2000 to 2100/);
        const audit = await callRoute(auditLoader, getRequest(`/staff/audit${query}`, { cookie: staff }));
        expect(audit.status, `audit ${query}`).toBe(400);
        const csv = await callRoute(auditCsvLoader, getRequest(`/staff/audit.csv${query}`, { cookie: staff }));
        expect(csv.status, `audit.csv ${query}`).toBe(400);
      }
    },
  );

  it("still takes the edges of the range and refuses one longer than three years", async () => {
    const { cookie } = await creatorWithAccount();
    const first = await callRoute(
      creatorDashboardLoader,
      getRequest("/creator/dashboard?range=custom&from=2000-01-01&to=2000-01-31", { cookie }),
    );
    expect(first.status).toBe(200);
    const last = await callRoute(
      creatorDashboardLoader,
      getRequest("/creator/dashboard?range=custom&from=2100-12-01&to=2100-12-31", { cookie }),
    );
    expect(last.status).toBe(200);
    const long = await callRoute(
      creatorDashboardLoader,
      getRequest("/creator/dashboard?range=custom&from=2000-01-01&to=2100-12-31", { cookie }),
    );
    expect(long.status).toBe(400);
    const staff = await staffCookie();
    expect(
      (await callRoute(ordersLoader, getRequest("/staff/orders?from=2000-01-01&to=2100-12-31", { cookie: staff })))
        .status,
    ).toBe(200);
  });
});

describe("hostile input: page numbers (item 3)", () => {
  const PAGES = [
    "1e18",
    "1e3",
    "0",
    "-1",
    "1.5",
    "0x10",
    "10001",
    "99999999999999999999",
    "NaN",
    "Infinity",
    "2 OR 1=1",
  ];

  it("answers every paginated list with a 400 for a page that is not a whole number from 1 to 10000", async () => {
    const { creator, cookie: creatorCookie } = await creatorWithAccount();
    const staff = await staffCookie();
    const lists: [string, Parameters<typeof callRoute>[0], string | undefined, Record<string, string>?][] = [
      ["/", homeLoader, undefined],
      [`/c/${creator.slug}`, creatorPageLoader, undefined, { slug: creator.slug }],
      ["/creator/products", ownProductsLoader, creatorCookie],
      ["/staff/dashboard", staffDashboardLoader, staff],
      ["/staff/orders", ordersLoader, staff],
      ["/staff/audit", auditLoader, staff],
      ["/staff/disputes", disputesLoader, staff],
      ["/staff/refund-requests", refundRequestsLoader, staff],
    ];
    for (const [path, loader, cookie, params] of lists) {
      for (const page of PAGES) {
        const response = await callRoute(
          loader,
          getRequest(`${path}?page=${encodeURIComponent(page)}`, { cookie }),
          params,
        );
        expect(response.status, `${path}?page=${page}`).toBe(400);
      }
      const fine = await callRoute(loader, getRequest(`${path}?page=10000`, { cookie }), params);
      expect(fine.status, `${path}?page=10000`).toBe(200);
    }
  });
});

describe("hostile input: signed webhook bodies that are not events (item 4)", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const event = (overrides: Record<string, unknown>) =>
    JSON.stringify({
      id: `evt_hostile_${crypto.randomUUID().replace(/-/g, "")}`,
      object: "event",
      type: "customer.created",
      created: now(),
      data: { object: { id: "cus_1" } },
      ...overrides,
    });
  const bodies: [string, () => string][] = [
    ["null", () => "null"],
    ["an array", () => "[]"],
    ["an empty object", () => "{}"],
    ["a string", () => '"evt_1"'],
    ["not JSON", () => "{not json"],
    ["no created", () => event({ created: undefined })],
    ["created as text", () => event({ created: "yesterday" })],
    ["created in year 275760", () => event({ created: 8.64e12 })],
    ["a NUL in type", () => event({ type: "customer.created\u0000" })],
    ["a NUL deep in data.object", () => event({ data: { object: { id: "cus_1", name: "a\u0000b" } } })],
    ["a lone surrogate in data.object", () => event({ data: { object: { id: "cus_1", name: "\ud800" } } })],
    ["an upper-case type", () => event({ type: "Customer.Created" })],
    ["an id that is not evt_", () => event({ id: "cus_123" })],
    ["data.object an array", () => event({ data: { object: [] } })],
    ["no data", () => event({ data: undefined })],
    ["account a number", () => event({ account: 42 })],
  ];

  async function post(body: string, signature: string) {
    return callRoute(
      webhookAction,
      new Request("http://localhost/api/webhooks/stripe", {
        method: "POST",
        headers: { "stripe-signature": signature },
        body,
      }),
    );
  }

  it.each(bodies)("answers 400 for %s and keeps the raw body for inspection", async (_, make) => {
    const body = make();
    const signature = stripeNode.webhooks.generateTestHeaderString({
      payload: body,
      secret: testStripe().emulator.webhookSecret,
    });
    const events = await db().stripeEvent.count();
    const response = await post(body, signature);
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBeTruthy();
    expect(await db().stripeEvent.count()).toBe(events);
    const kept = await db().rejectedWebhook.findFirstOrThrow({ where: { signatureHeader: signature } });
    expect(Buffer.from(kept.rawBody).equals(Buffer.from(body, "utf8"))).toBe(true);
    expect(kept.reason.length).toBeGreaterThan(0);
  });

  it("keeps nothing from a body without a valid signature", async () => {
    const before = await db().rejectedWebhook.count();
    const body = "null";
    const forged = stripeNode.webhooks.generateTestHeaderString({ payload: body, secret: "whsec_not_ours" });
    expect((await post(body, forged)).status).toBe(400);
    expect(await db().rejectedWebhook.count()).toBe(before);
  });

  it("still takes a well-formed event", async () => {
    const body = event({});
    const signature = stripeNode.webhooks.generateTestHeaderString({
      payload: body,
      secret: testStripe().emulator.webhookSecret,
    });
    const response = await post(body, signature);
    expect(response.status).toBe(200);
    expect(await db().stripeEvent.findUnique({ where: { id: JSON.parse(body).id } })).not.toBeNull();
  });
});

describe("hostile input: GETs that wrote (item 5)", () => {
  it("shows the cancel page on Stripe's GET without closing anything; its button's POST closes the session", async () => {
    const stripe = testStripe();
    const { creator } = await onboardedCreator(stripe.url);
    const product = await publishedProduct(creator.id);
    const { user } = await createUser();
    const cookie = await sessionCookie(user.id);
    const { url, attemptId } = await startCheckout({
      buyer: user,
      productId: product.id,
      appUrl: "http://localhost:3000",
      actor: SYSTEM_ACTOR,
    });
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;
    const audit = await db().auditLog.count();

    for (let i = 0; i < 3; i++) {
      const page = await callRoute(cancelLoader, getRequest(`/checkout/cancel?attempt=${attemptId}`, { cookie }));
      expect(page.status).toBe(200);
      expect(await page.json()).toMatchObject({ attemptId, product: { slug: product.slug } });
    }
    expect((await db().checkoutAttempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe("OPEN");
    expect(await db().auditLog.count()).toBe(audit);
    expect((await stripe.stripe.checkout.sessions.retrieve(sessionId)).status).toBe("open");

    const posted = await callRoute(
      cancelAction,
      formRequest("/checkout/cancel", { attempt: attemptId, next: "browse" }, { cookie }),
    );
    expect(posted.status).toBe(303);
    expect(posted.headers.get("Location")).toBe("/");
    expect((await db().checkoutAttempt.findUniqueOrThrow({ where: { id: attemptId } })).status).toBe("EXPIRED");
    expect((await stripe.stripe.checkout.sessions.retrieve(sessionId)).status).toBe("expired");

    // Someone else's attempt, or none: 404 and 400, nothing written.
    const stranger = await sessionCookie((await createUser()).user.id);
    expect(
      (await callRoute(cancelAction, formRequest("/checkout/cancel", { attempt: attemptId }, { cookie: stranger })))
        .status,
    ).toBe(404);
    expect((await callRoute(cancelAction, formRequest("/checkout/cancel", {}, { cookie }))).status).toBe(400);
    await stripe.settle();
  });

  it("shows the onboarding refresh page on Stripe's GET without creating an account or a link", async () => {
    const { user } = await createUser({ role: "CREATOR" });
    await db().creatorAccount.create({
      data: { userId: user.id, displayName: "Fresh shop", slug: `fresh-${user.id}` },
    });
    const cookie = await sessionCookie(user.id);
    const audit = await db().auditLog.count();
    const accounts = (await testStripe().stripe.accounts.list({ limit: 100 })).data.length;
    const response = await callRoute(onboardingRefreshLoader, getRequest("/creator/onboarding/refresh", { cookie }));
    expect(response.status).toBe(200);
    expect((await db().creatorAccount.findUniqueOrThrow({ where: { userId: user.id } })).stripeAccountId).toBeNull();
    expect(await db().auditLog.count()).toBe(audit);
    expect((await testStripe().stripe.accounts.list({ limit: 100 })).data.length).toBe(accounts);
  });
});

describe("hostile input: multipart part count (item 7)", () => {
  it(`refuses a product form with more than ${MAX_FORM_PARTS} fields with a 413, keeping nothing`, async () => {
    const { cookie } = await creatorWithAccount();
    const before = await productCounts();
    const fields: Record<string, string> = { ...validProductFields };
    for (let i = 0; i < 5_000; i++) fields[`extra${i}`] = "x";
    const response = await callRoute(
      newProductAction,
      productFormRequest(
        "/creator/products/new",
        fields,
        { deliverable: file(PDF_BYTES, "notes.pdf", "application/pdf") },
        { cookie },
      ),
    );
    expect(response.status).toBe(413);
    expect((await response.json()).formError).toMatch(/too many fields/);
    expect(await productCounts()).toEqual(before);
  });

  it("refuses endless file parts the same way, with the staged file removed", async () => {
    const { cookie } = await creatorWithAccount();
    const before = await productCounts();
    const body = new FormData();
    body.set("intent", "save");
    for (const [key, value] of Object.entries(validProductFields)) body.set(key, value);
    body.append("deliverable", file(PDF_BYTES, "notes.pdf", "application/pdf"));
    for (let i = 0; i < 200; i++) body.append(`junk${i}`, file("junk", `junk${i}.txt`, "text/plain"));
    const response = await callRoute(
      newProductAction,
      new Request(`${TEST_ORIGIN}/creator/products/new`, {
        method: "POST",
        headers: { Origin: TEST_ORIGIN, Cookie: cookie },
        body,
      }),
    );
    expect(response.status).toBe(413);
    expect(await productCounts()).toEqual(before);
  });

  it(`still takes a form of ${MAX_FORM_PARTS} parts`, async () => {
    const { cookie } = await creatorWithAccount();
    const fields: Record<string, string> = { ...validProductFields };
    // intent + the product fields + the file + padding up to the limit
    const used = 1 + Object.keys(validProductFields).length + 1;
    for (let i = 0; i < MAX_FORM_PARTS - used; i++) fields[`extra${i}`] = "x";
    const response = await callRoute(
      newProductAction,
      productFormRequest(
        "/creator/products/new",
        fields,
        { deliverable: file(PDF_BYTES, "notes.pdf", "application/pdf") },
        { cookie },
      ),
    );
    expect(response.status).toBe(302);
  });
});
