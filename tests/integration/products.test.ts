// Creators create, edit, publish and unpublish products with uploaded files, always scoped to their own shop.
import fs from "node:fs";
import path from "node:path";
import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { action as newAction } from "#app/routes/creator+/products.new.tsx";
import { action as editAction, loader as editLoader } from "#app/routes/creator+/products.$productId.tsx";
import { loader as listLoader } from "#app/routes/creator+/products._index.tsx";
import { db } from "#app/utils/db.server.ts";
import {
  creatorWithAccount,
  file,
  filesUnder,
  membershipFields,
  PDF_BYTES,
  PNG_BYTES,
  productFormRequest,
  useTemporaryUploadsDir,
  validProductFields,
} from "#tests/helpers/catalog.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { controls, startTestStripe, type TestStripe } from "#tests/helpers/stripe.ts";

const uploads = useTemporaryUploadsDir();

// Memberships get their Stripe product and prices when saved: the emulator stands in for Stripe.
let stripeEnv: TestStripe;
let stripe: Stripe;
beforeAll(async () => {
  stripeEnv = await startTestStripe();
  stripe = stripeEnv.stripe;
});
afterEach(async () => {
  if (stripeEnv) await controls.clearFaults(stripeEnv.url);
});
afterAll(async () => stripeEnv?.stop());

async function counts() {
  return {
    products: await db().product.count(),
    prices: await db().price.count(),
    audit: await db().auditLog.count(),
    files: filesUnder(uploads).length,
  };
}

async function create(
  cookie: string,
  fields: Record<string, string> = {},
  files: Parameters<typeof productFormRequest>[2] = {},
) {
  return callRoute(
    newAction,
    productFormRequest("/creator/products/new", { ...validProductFields, ...fields }, files, { cookie }),
  );
}

async function createdProduct(response: Response) {
  expect(response.status).toBe(302);
  const id = /\/creator\/products\/([^/?]+)/.exec(response.headers.get("Location") ?? "")?.[1];
  expect(id).toBeTruthy();
  return db().product.findUniqueOrThrow({ where: { id }, include: { prices: { orderBy: { createdAt: "asc" } } } });
}

const deliverable = () => file(PDF_BYTES, "field-notes.pdf", "application/pdf");
const cover = () => file(PNG_BYTES, "cover.png", "image/png");

describe("creating a product", () => {
  it.each([
    [{ title: "" }, "title", "Enter a title"],
    [{ title: "x".repeat(121) }, "title", "Use at most 120 characters"],
    [{ slug: "Not A Slug!" }, "slug", "Use lowercase letters a–z, digits and single dashes (like my-product)"],
    [{ slug: "double--dash" }, "slug", "Use lowercase letters a–z, digits and single dashes (like my-product)"],
    [{ title: "!!!", slug: "" }, "slug", "Enter a slug with letters or digits"],
    [{ description: "x".repeat(5001) }, "description", "Use at most 5,000 characters"],
    [{ currency: "btc" }, "currency", "Choose a currency"],
    [{ price: "" }, "price", "Enter a price"],
    [{ price: "twelve" }, "price", "Enter an amount such as 19.99"],
    [{ price: "12.345" }, "price", "Use at most 2 decimal places"],
    [{ price: "-5" }, "price", "Enter an amount such as 19.99"],
    [{ price: "0" }, "price", "Enter an amount greater than zero"],
    [{ price: "0.49" }, "price", "The lowest price Stripe accepts in USD is $0.50"],
    [{ price: "0.29", currency: "gbp" }, "price", "The lowest price Stripe accepts in GBP is £0.30"],
    [{ price: "49", currency: "jpy" }, "price", "The lowest price Stripe accepts in JPY is ¥50"],
    [{ price: "100.5", currency: "jpy" }, "price", "JPY has no decimal places"],
  ])(
    "refuses %o with a clear message and writes nothing, not even the uploaded files",
    async (override, field, message) => {
      const { cookie } = await creatorWithAccount();
      const before = await counts();
      const response = await create(cookie, override, { cover: cover(), deliverable: deliverable() });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.fieldErrors[field]).toBe(message);
      expect(body.formError).toBe("Please correct the highlighted fields.");
      expect(await counts()).toEqual(before);
    },
  );

  it("stores a draft with its price, files under random names and an audit row", async () => {
    const { cookie, creator, user } = await creatorWithAccount();
    const response = await create(cookie, { price: "12.00" }, { cover: cover(), deliverable: deliverable() });
    const product = await createdProduct(response);
    expect(product).toMatchObject({
      creatorId: creator.id,
      title: "Field Notes Vol. 1",
      slug: "field-notes-vol-1",
      description: "Forty pages of sketches.\nPrinted or digital.",
      published: false,
      deliverableName: "field-notes.pdf",
      deliverableMimeType: "application/pdf",
      deliverableSizeBytes: PDF_BYTES.length,
    });
    expect(product.prices).toMatchObject([{ amount: 1200, currency: "usd", active: true }]);
    expect(product.coverImagePath).toMatch(/^covers\/[0-9a-f]{32}\.png$/);
    expect(product.deliverablePath).toMatch(/^deliverables\/[0-9a-f]{32}\.pdf$/);
    expect(fs.readFileSync(path.join(uploads, product.deliverablePath!))).toEqual(PDF_BYTES);
    expect(fs.readFileSync(path.join(uploads, product.coverImagePath!))).toEqual(PNG_BYTES);
    expect(filesUnder(uploads).some((f) => f.includes("field-notes"))).toBe(false);
    const row = await db().auditLog.findFirstOrThrow({ where: { entityId: product.id, action: "product.created" } });
    expect(row).toMatchObject({
      actorType: "USER",
      actorId: user.id,
      amount: 1200,
      currency: "usd",
      entityType: "product",
    });
  });

  it("parses amounts exactly in each currency's precision", async () => {
    const { cookie } = await creatorWithAccount();
    const yen = await createdProduct(await create(cookie, { title: "Yen pack", price: "1,500", currency: "jpy" }));
    expect(yen.prices[0]).toMatchObject({ amount: 1500, currency: "jpy" });
    const pounds = await createdProduct(await create(cookie, { title: "Pound pack", price: "0.30", currency: "gbp" }));
    expect(pounds.prices[0]).toMatchObject({ amount: 30, currency: "gbp" });
    const cents = await createdProduct(await create(cookie, { title: "Cents pack", price: "19.99" }));
    expect(cents.prices[0]).toMatchObject({ amount: 1999, currency: "usd" });
  });

  it("refuses a slug another product uses, and numbers a slug generated from a taken title", async () => {
    const { cookie } = await creatorWithAccount();
    const other = await creatorWithAccount();
    const first = await createdProduct(await create(other.cookie, { title: "Shared name", slug: "shared-name" }));
    const before = await counts();
    const conflict = await create(cookie, { title: "Mine", slug: "shared-name" }, { deliverable: deliverable() });
    expect(conflict.status).toBe(409);
    const body = await conflict.json();
    expect(body.fieldErrors.slug).toBe("That slug is already used by another product. Choose another one.");
    expect(body.values).toMatchObject({ title: "Mine", slug: "shared-name", price: "12.00", currency: "usd" });
    expect(await counts()).toEqual(before);

    const generated = await createdProduct(await create(cookie, { title: "Shared Name" }));
    expect(generated.slug).toBe("shared-name-2");
    expect(first.slug).toBe("shared-name");
  });

  it.each([
    [
      { cover: file("just text, not an image", "cover.png", "image/png") },
      "cover",
      /Cover image must be PNG, JPEG, WebP or GIF/,
    ],
    [{ cover: file(PDF_BYTES, "cover.pdf", "application/pdf") }, "cover", /Cover image must be PNG, JPEG, WebP or GIF/],
    [
      { cover: file(Buffer.concat([PNG_BYTES, Buffer.alloc(5 * 1024 * 1024)]), "big.png", "image/png") },
      "cover",
      "Cover image is too large: the limit is 5 MB.",
    ],
    [{ deliverable: file("MZ\x90\x00", "setup.exe") }, "deliverable", /Product file must be PDF, ZIP, EPUB/],
    [
      { deliverable: file("not a pdf at all", "book.pdf", "application/pdf") },
      "deliverable",
      "That file's contents don't look like a .pdf file.",
    ],
    [
      { deliverable: file(Buffer.from([0, 1, 2, 3]), "notes.txt", "text/plain") },
      "deliverable",
      "That file's contents don't look like a .txt file.",
    ],
    [{ deliverable: file("", "empty.pdf", "application/pdf") }, "deliverable", "Product file is empty."],
    [{ deliverable: file("", "", "application/octet-stream") }, "deliverable", undefined],
  ])("refuses an upload that breaks the type or size rules (%#) and keeps nothing", async (files, field, message) => {
    const { cookie } = await creatorWithAccount();
    const before = await counts();
    const response = await create(cookie, {}, files);
    if (message === undefined) {
      // An empty part without a name is "no file chosen", as browsers send it: the draft is saved without a file.
      const product = await createdProduct(response);
      expect(product.deliverablePath).toBeNull();
      return;
    }
    expect(response.status).toBe(400);
    const error = (await response.json()).fieldErrors[field];
    if (typeof message === "string") expect(error).toBe(message);
    else expect(error).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it("accepts a deliverable up to 100 MB but not one byte more, checked while streaming", async () => {
    const { cookie } = await creatorWithAccount();
    const limit = 100 * 1024 * 1024;
    const before = await counts();
    const tooBig = Buffer.alloc(limit + 1, 0x20);
    PDF_BYTES.copy(tooBig);
    const refused = await create(cookie, {}, { deliverable: file(tooBig, "huge.pdf", "application/pdf") });
    expect(refused.status).toBe(400);
    expect((await refused.json()).fieldErrors.deliverable).toBe("Product file is too large: the limit is 100 MB.");
    expect(await counts()).toEqual(before);

    const exact = tooBig.subarray(0, limit);
    const product = await createdProduct(
      await create(cookie, {}, { deliverable: file(exact, "big.pdf", "application/pdf") }),
    );
    expect(product.deliverableSizeBytes).toBe(limit);
    expect(fs.statSync(path.join(uploads, product.deliverablePath!)).size).toBe(limit);
  });

  it("is for creators only", async () => {
    const { user } = await createUser({ role: "BUYER" });
    const response = await create(await sessionCookie(user.id));
    expect(response.status).toBe(403);
    const anonymous = await callRoute(newAction, productFormRequest("/creator/products/new", validProductFields));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
  });
});

describe("publishing", () => {
  it("is refused until Stripe charges are enabled, with a pointer to onboarding", async () => {
    const { cookie, creator } = await creatorWithAccount({ chargesEnabled: false });
    const product = await createdProduct(await create(cookie, {}, { deliverable: deliverable() }));
    const before = await counts();
    const response = await callRoute(
      editAction,
      formRequest(`/creator/products/${product.id}`, { intent: "publish" }, { cookie }),
      { productId: product.id },
    );
    expect(response.status).toBe(409);
    expect((await response.json()).formError).toBe(
      "You can't publish yet: finish Stripe onboarding on your creator studio (/creator) so you can accept payments.",
    );
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).published).toBe(false);
    expect(await counts()).toEqual(before);

    await db().creatorAccount.update({ where: { id: creator.id }, data: { chargesEnabled: true } });
    const ok = await callRoute(
      editAction,
      formRequest(`/creator/products/${product.id}`, { intent: "publish" }, { cookie }),
      { productId: product.id },
    );
    expect(ok.status).toBe(302);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).published).toBe(true);
  });

  it("needs the file buyers download", async () => {
    const { cookie } = await creatorWithAccount();
    const product = await createdProduct(await create(cookie));
    const response = await callRoute(
      editAction,
      formRequest(`/creator/products/${product.id}`, { intent: "publish" }, { cookie }),
      { productId: product.id },
    );
    expect(response.status).toBe(409);
    expect((await response.json()).formError).toBe("Upload the file buyers will download before publishing.");
  });

  it("publishes and unpublishes with an audit row each, keeping the product", async () => {
    const { cookie, user } = await creatorWithAccount();
    const product = await createdProduct(
      await create(cookie, { price: "9.50", currency: "eur" }, { deliverable: deliverable() }),
    );
    const post = (intent: string) =>
      callRoute(editAction, formRequest(`/creator/products/${product.id}`, { intent }, { cookie }), {
        productId: product.id,
      });

    const published = await post("publish");
    expect(published.headers.get("Location")).toBe(`/creator/products/${product.id}?saved=published`);
    const after = await db().product.findUniqueOrThrow({ where: { id: product.id } });
    expect(after.published).toBe(true);
    expect(after.publishedAt).toBeInstanceOf(Date);
    expect(
      await db().auditLog.findFirstOrThrow({ where: { entityId: product.id, action: "product.published" } }),
    ).toMatchObject({
      actorId: user.id,
      entityType: "product",
      amount: 950,
      currency: "eur",
    });

    expect((await post("unpublish")).status).toBe(302);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).published).toBe(false);
    expect(await db().auditLog.count({ where: { entityId: product.id, action: "product.unpublished" } })).toBe(1);
    expect((await post("delete")).status).toBe(400);
    expect(await db().product.count({ where: { id: product.id } })).toBe(1);
  });
});

describe("editing", () => {
  it("makes a new price on a price change and keeps the old one for past orders", async () => {
    const { cookie } = await creatorWithAccount();
    const product = await createdProduct(await create(cookie, { price: "12.00" }, { deliverable: deliverable() }));
    const oldPrice = product.prices[0]!;
    const edit = (fields: Record<string, string>) =>
      callRoute(
        editAction,
        productFormRequest(
          `/creator/products/${product.id}`,
          { ...validProductFields, slug: product.slug, ...fields },
          {},
          { cookie },
        ),
        { productId: product.id },
      );

    expect((await edit({ price: "15.00" })).status).toBe(302);
    const prices = await db().price.findMany({ where: { productId: product.id }, orderBy: { createdAt: "asc" } });
    expect(prices).toHaveLength(2);
    expect(prices[0]).toMatchObject({ id: oldPrice.id, amount: 1200, currency: "usd", active: false });
    expect(prices[1]).toMatchObject({ amount: 1500, currency: "usd", active: true });
    const audit = await db().auditLog.findFirstOrThrow({
      where: { entityId: product.id, action: "product.price_changed" },
    });
    expect(audit).toMatchObject({ amount: 1500, currency: "usd" });
    expect(audit.data).toMatchObject({ previousPriceId: oldPrice.id, previousAmount: 1200 });

    // Saving again without a price change adds no price row and no price audit.
    expect((await edit({ price: "15", title: "Renamed" })).status).toBe(302);
    expect(await db().price.count({ where: { productId: product.id } })).toBe(2);
    expect(await db().auditLog.count({ where: { entityId: product.id, action: "product.price_changed" } })).toBe(1);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).title).toBe("Renamed");

    // A currency change is a price change too.
    expect((await edit({ price: "15", currency: "cad" })).status).toBe(302);
    expect(await db().price.findMany({ where: { productId: product.id, active: true } })).toMatchObject([
      { amount: 1500, currency: "cad" },
    ]);
  });

  it("replaces files and removes the replaced ones; bad input changes nothing", async () => {
    const { cookie } = await creatorWithAccount();
    const product = await createdProduct(await create(cookie, {}, { cover: cover(), deliverable: deliverable() }));
    const request = (fields: Record<string, string>, files: Parameters<typeof productFormRequest>[2]) =>
      callRoute(
        editAction,
        productFormRequest(
          `/creator/products/${product.id}`,
          { ...validProductFields, slug: product.slug, ...fields },
          files,
          { cookie },
        ),
        { productId: product.id },
      );
    const before = await counts();
    const bad = await request({ price: "abc" }, { deliverable: file("# Notes\n", "notes.md") });
    expect(bad.status).toBe(400);
    expect(await counts()).toEqual(before);

    expect((await request({}, { deliverable: file("# Notes\n", "notes.md") })).status).toBe(302);
    const after = await db().product.findUniqueOrThrow({ where: { id: product.id } });
    expect(after).toMatchObject({ deliverableName: "notes.md", deliverableMimeType: "text/markdown; charset=utf-8" });
    expect(after.coverImagePath).toBe(product.coverImagePath);
    expect(fs.existsSync(path.join(uploads, product.deliverablePath!))).toBe(false);
    expect(fs.readFileSync(path.join(uploads, after.deliverablePath!), "utf8")).toBe("# Notes\n");
  });

  it("refuses a slug conflict on edit", async () => {
    const { cookie } = await creatorWithAccount();
    const a = await createdProduct(await create(cookie, { title: "Alpha" }));
    await createdProduct(await create(cookie, { title: "Beta" }));
    const response = await callRoute(
      editAction,
      productFormRequest(
        `/creator/products/${a.id}`,
        { ...validProductFields, title: "Alpha", slug: "beta" },
        {},
        { cookie },
      ),
      { productId: a.id },
    );
    expect(response.status).toBe(409);
    expect((await response.json()).fieldErrors.slug).toMatch(/already used/);
    expect((await db().product.findUniqueOrThrow({ where: { id: a.id } })).slug).toBe("alpha");
  });
});

describe("ownership", () => {
  it("answers 404 when another creator opens, edits or publishes a product, and changes nothing", async () => {
    const owner = await creatorWithAccount();
    const product = await createdProduct(await create(owner.cookie, {}, { deliverable: deliverable() }));
    const intruder = await creatorWithAccount();
    const before = await counts();
    const params = { productId: product.id };
    expect(
      (await callRoute(editLoader, getRequest(`/creator/products/${product.id}`, { cookie: intruder.cookie }), params))
        .status,
    ).toBe(404);
    for (const intent of ["publish", "unpublish"]) {
      const response = await callRoute(
        editAction,
        formRequest(`/creator/products/${product.id}`, { intent }, { cookie: intruder.cookie }),
        params,
      );
      expect(response.status).toBe(404);
    }
    const edit = await callRoute(
      editAction,
      productFormRequest(
        `/creator/products/${product.id}`,
        { ...validProductFields, title: "Stolen" },
        {},
        { cookie: intruder.cookie },
      ),
      params,
    );
    expect(edit.status).toBe(404);
    expect(await counts()).toEqual(before);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).title).toBe(validProductFields.title);
    expect(
      (await callRoute(editLoader, getRequest(`/creator/products/${product.id}`, { cookie: owner.cookie }), params))
        .status,
    ).toBe(200);
  });

  it("lists only the creator's own products, paginated", async () => {
    const mine = await creatorWithAccount();
    const theirs = await creatorWithAccount();
    await createdProduct(await create(theirs.cookie, { title: "Not mine" }));
    const empty = await (await callRoute(listLoader, getRequest("/creator/products", { cookie: mine.cookie }))).json();
    expect(empty.total).toBe(0);
    for (let i = 1; i <= 21; i++)
      await db().product.create({
        data: { creatorId: mine.creator.id, title: `Mine ${i}`, slug: `mine-${i}-${mine.creator.id}` },
      });
    const page1 = await (await callRoute(listLoader, getRequest("/creator/products", { cookie: mine.cookie }))).json();
    expect(page1).toMatchObject({ total: 21, page: 1, pageCount: 2 });
    expect(page1.products).toHaveLength(20);
    const page2 = await (
      await callRoute(listLoader, getRequest("/creator/products?page=2", { cookie: mine.cookie }))
    ).json();
    expect(page2.products).toHaveLength(1);
    const titles = [...page1.products, ...page2.products].map((p: { title: string }) => p.title);
    expect(titles).not.toContain("Not mine");
    expect(new Set(titles).size).toBe(21);
  });
});

describe("memberships", () => {
  const createMembership = (cookie: string, fields: Record<string, string> = {}) =>
    callRoute(
      newAction,
      productFormRequest("/creator/products/new", { ...membershipFields, ...fields }, {}, { cookie }),
    );
  const editMembership = (cookie: string, product: { id: string; slug: string }, fields: Record<string, string>) =>
    callRoute(
      editAction,
      productFormRequest(
        `/creator/products/${product.id}`,
        { ...membershipFields, slug: product.slug, ...fields },
        {},
        { cookie },
      ),
      { productId: product.id },
    );
  const activePrices = (productId: string) =>
    db().price.findMany({ where: { productId, active: true }, orderBy: { interval: "asc" } });

  it("creates a membership with monthly and yearly prices and a trial, in the database and in Stripe", async () => {
    const { cookie, user } = await creatorWithAccount();
    const response = await createMembership(cookie);
    expect(response.headers.get("Location")).toMatch(/\?saved=created$/);
    const product = await createdProduct(response);
    expect(product).toMatchObject({
      kind: "MEMBERSHIP",
      trialDays: 7,
      title: "Makers Club",
      published: false,
      deliverablePath: null,
    });
    expect(product.stripeProductId).toMatch(/^prod_/);
    const prices = await activePrices(product.id);
    expect(prices).toMatchObject([
      { interval: "MONTH", amount: 1000, currency: "usd", active: true },
      { interval: "YEAR", amount: 10000, currency: "usd", active: true },
    ]);
    for (const price of prices) {
      const inStripe = await stripe.prices.retrieve(price.stripePriceId!);
      expect(inStripe).toMatchObject({
        product: product.stripeProductId,
        unit_amount: price.amount,
        currency: "usd",
        active: true,
        recurring: { interval: price.interval === "YEAR" ? "year" : "month" },
      });
    }
    const row = await db().auditLog.findFirstOrThrow({ where: { entityId: product.id, action: "product.created" } });
    expect(row).toMatchObject({ actorId: user.id, amount: 1000, currency: "usd" });
    expect(row.data).toMatchObject({
      kind: "MEMBERSHIP",
      trialDays: 7,
      prices: [
        { priceId: prices[0]!.id, interval: "MONTH", amount: 1000 },
        { priceId: prices[1]!.id, interval: "YEAR", amount: 10000 },
      ],
    });

    // The list counts current members (not invoices): one trialing member counts, a canceled one doesn't.
    for (const [n, status] of [
      [1, "TRIALING"],
      [2, "CANCELED"],
    ] as const) {
      const { user: buyer } = await createUser();
      await db().membership.create({
        data: {
          buyerId: buyer.id,
          creatorId: product.creatorId,
          productId: product.id,
          priceId: prices[0]!.id,
          stripeSubscriptionId: `sub_list_${product.id}_${n}`,
          stripeCustomerId: `cus_list_${n}`,
          status,
          amount: 1000,
          currency: "usd",
          interval: "MONTH",
        },
      });
    }
    const list = await (await callRoute(listLoader, getRequest("/creator/products", { cookie }))).json();
    expect(list.products[0]).toMatchObject({
      kind: "MEMBERSHIP",
      prices: "$10.00 / month · $100.00 / year",
      trial: "7-day free trial",
      missingFile: false,
      members: 1,
      sales: null,
    });
    const page = await (
      await callRoute(editLoader, getRequest(`/creator/products/${product.id}`, { cookie }), { productId: product.id })
    ).json();
    expect(page.product).toMatchObject({
      kind: "MEMBERSHIP",
      priceInputs: { monthlyPrice: "10.00", yearlyPrice: "100.00" },
      trialDays: 7,
      priceSummary: "$10.00 / month · $100.00 / year",
    });
  });

  it("sells monthly only or yearly only, and publishes without a file", async () => {
    const { cookie } = await creatorWithAccount();
    const yearly = await createdProduct(
      await createMembership(cookie, { title: "Yearly club", monthlyPrice: "", trialDays: "" }),
    );
    expect(yearly.trialDays).toBeNull();
    expect(await activePrices(yearly.id)).toMatchObject([{ interval: "YEAR", amount: 10000 }]);
    const monthly = await createdProduct(
      await createMembership(cookie, { title: "Monthly club", yearlyPrice: "", trialDays: "0" }),
    );
    expect(monthly.trialDays).toBeNull();
    expect(await activePrices(monthly.id)).toMatchObject([{ interval: "MONTH", amount: 1000 }]);

    const published = await callRoute(
      editAction,
      formRequest(`/creator/products/${monthly.id}`, { intent: "publish" }, { cookie }),
      { productId: monthly.id },
    );
    expect(published.headers.get("Location")).toBe(`/creator/products/${monthly.id}?saved=published`);
    expect((await db().product.findUniqueOrThrow({ where: { id: monthly.id } })).published).toBe(true);
    const audit = await db().auditLog.findFirstOrThrow({
      where: { entityId: monthly.id, action: "product.published" },
    });
    expect(audit).toMatchObject({ amount: 1000, currency: "usd" });
  });

  it.each([
    [{ monthlyPrice: "", yearlyPrice: "" }, "monthlyPrice", "Enter a monthly price, a yearly price or both"],
    [{ monthlyPrice: "ten" }, "monthlyPrice", "Enter an amount such as 19.99"],
    [{ yearlyPrice: "0.49" }, "yearlyPrice", "The lowest price Stripe accepts in USD is $0.50"],
    [{ currency: "jpy", yearlyPrice: "100.5", monthlyPrice: "1000" }, "yearlyPrice", "JPY has no decimal places"],
    [{ trialDays: "731" }, "trialDays", "Enter a whole number of days from 0 to 730"],
    [{ trialDays: "-3" }, "trialDays", "Enter a whole number of days from 0 to 730"],
    [{ trialDays: "2.5" }, "trialDays", "Enter a whole number of days from 0 to 730"],
    [{ kind: "BUNDLE" }, "kind", "Choose a one-time download or a membership"],
  ] as [Record<string, string>, string, string][])(
    "refuses %o with a clear message and writes nothing, here or in Stripe",
    async (override, field, message) => {
      const { cookie } = await creatorWithAccount();
      const before = await counts();
      const stripeProducts = (await stripe.products.list({ limit: 100 })).data.length;
      const response = await createMembership(cookie, override);
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.fieldErrors[field]).toBe(message);
      expect(body.values).toMatchObject({ kind: override.kind ?? "MEMBERSHIP", title: "Makers Club" });
      expect(await counts()).toEqual(before);
      expect((await stripe.products.list({ limit: 100 })).data.length).toBe(stripeProducts);
    },
  );

  it("replaces a changed or removed price with a new row, archives the old Stripe price, and keeps trials for new members", async () => {
    const { cookie } = await creatorWithAccount();
    const product = await createdProduct(await createMembership(cookie));
    const [oldMonthly, oldYearly] = await activePrices(product.id);

    // Monthly 10 → 12, yearly unchanged, trial 7 → 14.
    const changed = await editMembership(cookie, product, { monthlyPrice: "12", trialDays: "14" });
    expect(changed.headers.get("Location")).toBe(`/creator/products/${product.id}?saved=updated`);
    const prices = await db().price.findMany({ where: { productId: product.id }, orderBy: { createdAt: "asc" } });
    expect(prices).toHaveLength(3);
    expect(prices.find((p) => p.id === oldMonthly!.id)).toMatchObject({ active: false, amount: 1000 });
    expect(prices.find((p) => p.id === oldYearly!.id)).toMatchObject({ active: true, amount: 10000 });
    const newMonthly = prices.find((p) => p.active && p.interval === "MONTH")!;
    expect(newMonthly).toMatchObject({ amount: 1200, currency: "usd" });
    expect(newMonthly.stripePriceId).toMatch(/^price_/);
    expect(newMonthly.stripePriceId).not.toBe(oldMonthly!.stripePriceId);
    expect((await stripe.prices.retrieve(oldMonthly!.stripePriceId!)).active).toBe(false);
    expect(await stripe.prices.retrieve(oldMonthly!.stripePriceId!)).toMatchObject({ unit_amount: 1000 });
    expect(await stripe.prices.retrieve(newMonthly.stripePriceId!)).toMatchObject({ unit_amount: 1200, active: true });
    expect((await stripe.prices.retrieve(oldYearly!.stripePriceId!)).active).toBe(true);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).trialDays).toBe(14);
    const priceAudit = await db().auditLog.findMany({
      where: { entityId: product.id, action: "product.price_changed" },
    });
    expect(priceAudit).toHaveLength(1);
    expect(priceAudit[0]).toMatchObject({ amount: 1200, currency: "usd" });
    expect(priceAudit[0]!.data).toMatchObject({
      interval: "MONTH",
      priceId: newMonthly.id,
      previousPriceId: oldMonthly!.id,
      previousAmount: 1000,
    });
    const updated = await db().auditLog.findFirstOrThrow({
      where: { entityId: product.id, action: "product.updated" },
    });
    expect(updated.data).toMatchObject({ trialDays: 14, previousTrialDays: 7 });

    // Saving again unchanged adds nothing.
    expect((await editMembership(cookie, product, { monthlyPrice: "12.00", trialDays: "14" })).status).toBe(302);
    expect(await db().price.count({ where: { productId: product.id } })).toBe(3);

    // Removing the yearly price deactivates it and archives it in Stripe; monthly stays.
    expect((await editMembership(cookie, product, { monthlyPrice: "12", yearlyPrice: "", trialDays: "" })).status).toBe(
      302,
    );
    expect(await activePrices(product.id)).toMatchObject([{ id: newMonthly.id }]);
    expect((await stripe.prices.retrieve(oldYearly!.stripePriceId!)).active).toBe(false);
    const removal = await db().auditLog.findFirstOrThrow({
      where: { entityId: product.id, action: "product.price_changed", amount: null },
    });
    expect(removal.data).toMatchObject({ interval: "YEAR", priceId: null, previousPriceId: oldYearly!.id });
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).trialDays).toBeNull();

    // Adding a yearly price back is a new row with its own Stripe price.
    expect((await editMembership(cookie, product, { monthlyPrice: "12", yearlyPrice: "120" })).status).toBe(302);
    const readded = (await activePrices(product.id)).find((p) => p.interval === "YEAR")!;
    expect(readded).toMatchObject({ amount: 12000 });
    expect(readded.id).not.toBe(oldYearly!.id);
    expect(await stripe.prices.retrieve(readded.stripePriceId!)).toMatchObject({ unit_amount: 12000, active: true });
  });

  it("keeps a product's kind", async () => {
    const { cookie } = await creatorWithAccount();
    const membership = await createdProduct(await createMembership(cookie));
    const before = await counts();
    const response = await editMembership(cookie, membership, { kind: "DOWNLOAD", price: "12.00" });
    expect(response.status).toBe(400);
    expect((await response.json()).formError).toBe("A product's kind can't change after it's created.");
    const download = await createdProduct(await create(cookie, { title: "A download" }));
    const other = await callRoute(
      editAction,
      productFormRequest(
        `/creator/products/${download.id}`,
        { ...membershipFields, slug: download.slug },
        {},
        { cookie },
      ),
      { productId: download.id },
    );
    expect(other.status).toBe(400);
    expect((await db().product.findUniqueOrThrow({ where: { id: download.id } })).kind).toBe("DOWNLOAD");
    expect((await counts()).prices).toBe(before.prices + 1);
  });

  it("keeps the saved membership and warns when Stripe can't be reached; the next save or publish sets the prices up", async () => {
    const { cookie } = await creatorWithAccount();
    await controls.injectFault(stripeEnv.url, { path: "/v1/prices", status: 500, count: 10 });
    const response = await createMembership(cookie);
    expect(response.headers.get("Location")).toMatch(/\?saved=created&stripe=unreachable$/);
    const product = await createdProduct(response);
    const prices = await activePrices(product.id);
    expect(prices).toMatchObject([
      { interval: "MONTH", amount: 1000, stripePriceId: null },
      { interval: "YEAR", amount: 10000, stripePriceId: null },
    ]);
    const page = await callRoute(
      editLoader,
      getRequest(`/creator/products/${product.id}?saved=created&stripe=unreachable`, { cookie }),
      { productId: product.id },
    );
    expect((await page.json()).stripeWarning).toBe(
      "Saved. We couldn't reach Stripe to set up the prices; we'll retry when someone subscribes.",
    );

    await controls.clearFaults(stripeEnv.url);
    const published = await callRoute(
      editAction,
      formRequest(`/creator/products/${product.id}`, { intent: "publish" }, { cookie }),
      { productId: product.id },
    );
    expect(published.headers.get("Location")).toBe(`/creator/products/${product.id}?saved=published`);
    for (const price of await activePrices(product.id)) expect(price.stripePriceId).toMatch(/^price_/);

    // An edit while Stripe is down is saved too; the replaced price stays on its Stripe price until it can be archived.
    await controls.injectFault(stripeEnv.url, { path: "/v1/prices", status: 500, count: 10 });
    const edited = await editMembership(cookie, product, { monthlyPrice: "11" });
    expect(edited.headers.get("Location")).toBe(`/creator/products/${product.id}?saved=updated&stripe=unreachable`);
    expect(await activePrices(product.id)).toMatchObject([
      { interval: "MONTH", amount: 1100, stripePriceId: null },
      { interval: "YEAR", amount: 10000 },
    ]);
  });
});
