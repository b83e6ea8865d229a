// The public storefront: search and pagination, product pages (buy, owned, restricted creator), creator pages, covers.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loader as homeLoader } from "#app/routes/_shop+/_index.tsx";
import { loader as productLoader } from "#app/routes/_shop+/p.$slug.tsx";
import { loader as creatorLoader } from "#app/routes/_shop+/c.$slug.tsx";
import { loader as coverLoader } from "#app/routes/_shop+/media.covers.$productId.tsx";
import { db } from "#app/utils/db.server.ts";
import { creatorWithAccount, grantEntitlement, PNG_BYTES, useTemporaryUploadsDir } from "#tests/helpers/catalog.ts";
import { callRoute, createUser, getRequest, sessionCookie } from "#tests/helpers/requests.ts";

const uploads = useTemporaryUploadsDir();
let sequence = 0;

async function product(
  creatorId: string,
  options: {
    title?: string;
    description?: string;
    published?: boolean;
    amount?: number;
    currency?: string;
    cover?: boolean;
  } = {},
) {
  sequence += 1;
  let coverImagePath: string | null = null;
  if (options.cover) {
    coverImagePath = `covers/${sequence.toString(16).padStart(32, "0")}.png`;
    fs.mkdirSync(path.join(uploads, "covers"), { recursive: true });
    fs.writeFileSync(path.join(uploads, coverImagePath), PNG_BYTES);
  }
  return db().product.create({
    data: {
      creatorId,
      title: options.title ?? `Product ${sequence}`,
      slug: `product-${sequence}-${creatorId.slice(-6)}`,
      description: options.description ?? "",
      published: options.published ?? true,
      publishedAt: new Date(Date.UTC(2026, 0, 1, 0, sequence)),
      coverImagePath,
      deliverablePath: "deliverables/secret.pdf",
      deliverableName: "secret.pdf",
      deliverableSizeBytes: 2048,
      prices: { create: { amount: options.amount ?? 1200, currency: options.currency ?? "usd" } },
    },
    include: { prices: true },
  });
}

async function json(response: Response) {
  expect(response.status).toBe(200);
  return response.json();
}

describe("home page search and pagination", () => {
  it("lists only published products, searches title and description case-insensitively, and pages", async () => {
    const { creator } = await creatorWithAccount();
    await product(creator.id, { title: "Draft Watercolour Brushes", published: false });
    await product(creator.id, { title: "Watercolour Brushes", description: "Thirty brushes." });
    await product(creator.id, { title: "Ink set", description: "Pairs well with WATERCOLOUR washes, 100% pigment" });
    for (let i = 0; i < 12; i++) await product(creator.id, { title: `Font ${i}` });

    const all = await json(await callRoute(homeLoader, getRequest("/")));
    expect(all).toMatchObject({ total: 14, page: 1, pageCount: 2, query: "" });
    expect(all.products).toHaveLength(12);
    expect(all.products[0].title).toBe("Font 11"); // newest first
    expect(all.products[0].price).toEqual({ amount: 1200, currency: "usd" });
    const second = await json(await callRoute(homeLoader, getRequest("/?page=2")));
    expect(second.products.map((p: { title: string }) => p.title)).toEqual(["Ink set", "Watercolour Brushes"]);

    const found = await json(await callRoute(homeLoader, getRequest("/?q=watercolour")));
    expect(found.total).toBe(2);
    expect(found.products.map((p: { title: string }) => p.title).sort()).toEqual(["Ink set", "Watercolour Brushes"]);
    // Wildcards match themselves, not everything.
    const percent = await json(await callRoute(homeLoader, getRequest("/?q=%25")));
    expect(percent.products.map((p: { title: string }) => p.title)).toEqual(["Ink set"]);
    const underscore = await json(await callRoute(homeLoader, getRequest("/?q=_")));
    expect(underscore.total).toBe(0);
    // A page that is not a whole number from 1 to 10000 is a 400 (app/utils/paging.ts), not a silent page 1.
    expect((await callRoute(homeLoader, getRequest("/?page=banana"))).status).toBe(400);
  });

  it("never exposes file paths in listings", async () => {
    const { creator } = await creatorWithAccount();
    await product(creator.id, { title: "Private path", cover: true });
    const body = JSON.stringify(await json(await callRoute(homeLoader, getRequest("/?q=private"))));
    expect(body).toContain("/media/covers/");
    expect(body).not.toContain("deliverables/");
    expect(body).not.toContain("covers/0");
  });
});

describe("product page", () => {
  it("offers Buy to anonymous visitors and buyers, with the price", async () => {
    const { creator } = await creatorWithAccount();
    const p = await product(creator.id, {
      amount: 3000,
      currency: "jpy",
      description: "<script>alert(1)</script>\nline two",
    });
    const anonymous = await json(await callRoute(productLoader, getRequest(`/p/${p.slug}`), { slug: p.slug }));
    expect(anonymous.purchase).toEqual({ kind: "buy" });
    expect(anonymous.product).toMatchObject({
      id: p.id,
      price: { amount: 3000, currency: "jpy" },
      description: "<script>alert(1)</script>\nline two",
    });
    expect(JSON.stringify(anonymous)).not.toContain("deliverables/");
    const { user } = await createUser();
    const buyer = await json(
      await callRoute(productLoader, getRequest(`/p/${p.slug}`, { cookie: await sessionCookie(user.id) }), {
        slug: p.slug,
      }),
    );
    expect(buyer.purchase).toEqual({ kind: "buy" });
  });

  it("shows no buy form when the creator can't accept payments, but keeps the page and the buyers' access", async () => {
    const { creator } = await creatorWithAccount();
    const p = await product(creator.id);
    const { user: owner } = await createUser();
    await grantEntitlement({ buyerId: owner.id, product: p, price: p.prices[0]! });
    await db().creatorAccount.update({
      where: { id: creator.id },
      data: { chargesEnabled: false, onboardingStatus: "RESTRICTED" },
    });

    const visitor = await json(await callRoute(productLoader, getRequest(`/p/${p.slug}`), { slug: p.slug }));
    expect(visitor.purchase).toEqual({ kind: "unavailable", reason: "creator_cannot_charge" });
    expect(visitor.product.title).toBe(p.title);
    const buyer = await json(
      await callRoute(productLoader, getRequest(`/p/${p.slug}`, { cookie: await sessionCookie(owner.id) }), {
        slug: p.slug,
      }),
    );
    expect(buyer.purchase).toEqual({ kind: "owned" });
    expect(await db().product.count({ where: { id: p.id, published: true } })).toBe(1);
  });

  it("tells a buyer who owns it to go to the library, unless access was revoked or frozen", async () => {
    const { creator } = await creatorWithAccount();
    const cases = [
      ["ACTIVE", "owned"],
      ["RESTORED", "owned"],
      ["FROZEN", "buy"],
      ["REVOKED", "buy"],
    ] as const;
    for (const [status, kind] of cases) {
      const p = await product(creator.id);
      const { user } = await createUser();
      await grantEntitlement({ buyerId: user.id, product: p, price: p.prices[0]!, status });
      const page = await json(
        await callRoute(productLoader, getRequest(`/p/${p.slug}`, { cookie: await sessionCookie(user.id) }), {
          slug: p.slug,
        }),
      );
      expect(page.purchase.kind, status).toBe(kind);
    }
  });

  it("404s an unpublished product for everyone but its creator, who gets a preview", async () => {
    const { creator, cookie } = await creatorWithAccount();
    const other = await creatorWithAccount();
    const p = await product(creator.id, { published: false });
    expect((await callRoute(productLoader, getRequest(`/p/${p.slug}`), { slug: p.slug })).status).toBe(404);
    expect(
      (await callRoute(productLoader, getRequest(`/p/${p.slug}`, { cookie: other.cookie }), { slug: p.slug })).status,
    ).toBe(404);
    const preview = await json(
      await callRoute(productLoader, getRequest(`/p/${p.slug}`, { cookie }), { slug: p.slug }),
    );
    expect(preview).toMatchObject({ isOwner: true, purchase: { kind: "own" }, product: { published: false } });
    expect((await callRoute(productLoader, getRequest("/p/nope"), { slug: "nope" })).status).toBe(404);
  });
});

describe("creator page", () => {
  it("shows the creator's name, bio and published products only, paginated", async () => {
    const { creator } = await creatorWithAccount({ bio: "I draw maps." });
    const someoneElse = await creatorWithAccount();
    await product(someoneElse.creator.id, { title: "Not theirs" });
    await product(creator.id, { title: "Hidden draft", published: false });
    for (let i = 0; i < 13; i++) await product(creator.id, { title: `Map ${i}` });
    const page1 = await json(await callRoute(creatorLoader, getRequest(`/c/${creator.slug}`), { slug: creator.slug }));
    expect(page1.creator).toEqual({ displayName: creator.displayName, slug: creator.slug, bio: "I draw maps." });
    expect(page1).toMatchObject({ total: 13, pageCount: 2 });
    expect(page1.products).toHaveLength(12);
    const page2 = await json(
      await callRoute(creatorLoader, getRequest(`/c/${creator.slug}?page=2`), { slug: creator.slug }),
    );
    const titles = [...page1.products, ...page2.products].map((p: { title: string }) => p.title);
    expect(titles).not.toContain("Hidden draft");
    expect(titles).not.toContain("Not theirs");
    expect((await callRoute(creatorLoader, getRequest("/c/nobody"), { slug: "nobody" })).status).toBe(404);
  });
});

describe("cover images", () => {
  it("streams a published product's cover with its type and caching headers, and answers 304 to a fresh ETag", async () => {
    const { creator } = await creatorWithAccount();
    const p = await product(creator.id, { cover: true });
    const response = await callRoute(coverLoader, getRequest(`/media/covers/${p.id}`), { productId: p.id });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("image/png");
    expect(response.headers.get("Cache-Control")).toMatch(/^public, max-age=\d+/);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG_BYTES);
    const etag = response.headers.get("ETag")!;
    const again = await callRoute(
      coverLoader,
      new Request(`http://localhost:3000/media/covers/${p.id}`, { headers: { "If-None-Match": etag } }),
      {
        productId: p.id,
      },
    );
    expect(again.status).toBe(304);
  });

  it("keeps a draft's cover private to its creator, and 404s products without a cover", async () => {
    const { creator, cookie } = await creatorWithAccount();
    const draft = await product(creator.id, { cover: true, published: false });
    expect(
      (await callRoute(coverLoader, getRequest(`/media/covers/${draft.id}`), { productId: draft.id })).status,
    ).toBe(404);
    const own = await callRoute(coverLoader, getRequest(`/media/covers/${draft.id}`, { cookie }), {
      productId: draft.id,
    });
    expect(own.status).toBe(200);
    expect(own.headers.get("Cache-Control")).toMatch(/private/);
    const bare = await product(creator.id);
    expect((await callRoute(coverLoader, getRequest(`/media/covers/${bare.id}`), { productId: bare.id })).status).toBe(
      404,
    );
  });
});
