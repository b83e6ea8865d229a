// The public catalog: published products with their current price, product pages, creator pages and covers.
// Unpublished products exist only for their creator (everyone else gets a 404).
import type { BillingInterval, Prisma, ProductKind } from "#app/generated/prisma/client.ts";
import { db } from "#app/utils/db.server.ts";
import { ACCESS_GRANTING } from "./entitlements.server.ts";
import { LIVE_MEMBERSHIP } from "./memberships.server.ts";
import { coverFile } from "./uploads.server.ts";

const cardSelect = {
  id: true,
  title: true,
  slug: true,
  description: true,
  coverImagePath: true,
  kind: true,
  creator: { select: { displayName: true, slug: true } },
  // A membership has one active price per interval; a download one without an interval.
  prices: {
    where: { active: true },
    orderBy: { createdAt: "desc" },
    take: 4,
    select: { id: true, amount: true, currency: true, interval: true },
  },
} satisfies Prisma.ProductSelect;

type CardRow = Prisma.ProductGetPayload<{ select: typeof cardSelect }>;

/** The cover's URL changes with the file, so browsers may cache each version for long. */
export function coverUrl(product: { id: string; coverImagePath: string | null }) {
  if (!product.coverImagePath) return null;
  const version = product.coverImagePath.split("/").pop()!.split(".")[0]!.slice(0, 12);
  return `/media/covers/${product.id}?v=${version}`;
}

type PriceRow = CardRow["prices"][number];

/** A membership's current plans, monthly first, one per interval (the newest active price of each). */
function plansOf(kind: ProductKind, prices: PriceRow[]) {
  if (kind !== "MEMBERSHIP") return [];
  const order: BillingInterval[] = ["MONTH", "YEAR"];
  return order.flatMap((interval) => {
    const price = prices.find((p) => p.interval === interval);
    return price ? [{ ...price, interval }] : [];
  });
}

/** The price a card shows: a download's one-time price, or a membership's monthly price (else its yearly one). */
function displayPrice(kind: ProductKind, prices: PriceRow[]) {
  const price = kind === "MEMBERSHIP" ? plansOf(kind, prices)[0] : prices.find((p) => p.interval === null);
  if (!price) return null;
  // A one-time price keeps its plain shape; a membership's says per what.
  return price.interval
    ? { amount: price.amount, currency: price.currency, interval: price.interval }
    : { amount: price.amount, currency: price.currency };
}

function toCard({ prices, coverImagePath, ...product }: CardRow) {
  return {
    ...product,
    coverUrl: coverUrl({ id: product.id, coverImagePath }),
    price: displayPrice(product.kind, prices),
  };
}

export type ProductCard = ReturnType<typeof toCard>;

async function pageOf(where: Prisma.ProductWhereInput, page: number, pageSize: number) {
  const [total, rows] = await Promise.all([
    db().product.count({ where }),
    db().product.findMany({
      where,
      orderBy: [{ publishedAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: cardSelect,
    }),
  ]);
  return { total, page, pageCount: Math.max(1, Math.ceil(total / pageSize)), products: rows.map(toCard) };
}

/** Published products, newest first; `query` matches title or description, case-insensitively. */
export async function listPublishedProducts({
  page = 1,
  pageSize = 12,
  query = "",
}: { page?: number; pageSize?: number; query?: string } = {}) {
  const q = query.trim();
  // `contains` becomes ILIKE: escape its wildcards so "%" or "_" match themselves.
  const pattern = q.replace(/[\\%_]/g, (c) => `\\${c}`);
  const where: Prisma.ProductWhereInput = {
    published: true,
    ...(q
      ? {
          OR: [
            { title: { contains: pattern, mode: "insensitive" } },
            { description: { contains: pattern, mode: "insensitive" } },
          ],
        }
      : {}),
  };
  return { query: q, ...(await pageOf(where, page, pageSize)) };
}

/** A creator's public page: who they are and their published products. Null when no such creator. */
export async function getCreatorPage({
  slug,
  page = 1,
  pageSize = 12,
}: {
  slug: string;
  page?: number;
  pageSize?: number;
}) {
  const creator = await db().creatorAccount.findUnique({
    where: { slug },
    select: { id: true, displayName: true, slug: true, bio: true, chargesEnabled: true },
  });
  if (!creator) return null;
  return { creator, ...(await pageOf({ creatorId: creator.id, published: true }, page, pageSize)) };
}

/**
 * What the product page offers the viewer, decided in this order:
 * - `own`: the viewer is the creator (a preview, with a link to edit; no Buy).
 * - `owned`: the viewer has an entitlement that grants access now (ACTIVE or RESTORED) — "go to your library".
 * - `member`: a membership the viewer already has a live membership of (trialing, active, past due or paused).
 * - `unavailable`: not published, no current price, or the creator can't accept payments (charges disabled).
 * - `buy`: everyone else, including anonymous visitors (checkout sends them to log in).
 * - `subscribe`: the same for a membership, with the free trial the viewer would get (only one per buyer and
 *   membership, as checkout decides).
 */
export type PurchaseState =
  | { kind: "own" }
  | { kind: "owned" }
  | { kind: "member" }
  | { kind: "unavailable"; reason: "unpublished" | "no_price" | "creator_cannot_charge" }
  | { kind: "buy" }
  | { kind: "subscribe"; trialDays: number | null };

/** A product page for `viewerId` (null for anonymous), or null when the viewer may not see it (a 404). */
export async function getProductPage({ slug, viewerId }: { slug: string; viewerId: string | null }) {
  const product = await db().product.findUnique({
    where: { slug },
    select: {
      ...cardSelect,
      published: true,
      trialDays: true,
      deliverableName: true,
      deliverableMimeType: true,
      deliverableSizeBytes: true,
      creator: { select: { displayName: true, slug: true, userId: true, chargesEnabled: true, bio: true } },
    },
  });
  if (!product) return null;
  const isOwner = viewerId !== null && product.creator.userId === viewerId;
  if (!product.published && !isOwner) return null;
  const isMembership = product.kind === "MEMBERSHIP";
  const viewerBuys = viewerId !== null && !isOwner;
  const memberships =
    viewerBuys && isMembership
      ? await db().membership.findMany({
          where: { buyerId: viewerId, productId: product.id },
          select: { status: true },
        })
      : [];
  const owned =
    viewerBuys && !isMembership
      ? (await db().entitlement.count({
          where: { userId: viewerId, productId: product.id, orderId: { not: null }, status: { in: ACCESS_GRANTING } },
        })) > 0
      : false;
  const { trialDays, ...cardRow } = product;
  const card = toCard(cardRow);
  let purchase: PurchaseState;
  if (isOwner) purchase = { kind: "own" };
  else if (owned) purchase = { kind: "owned" };
  else if (memberships.some((m) => LIVE_MEMBERSHIP.includes(m.status))) purchase = { kind: "member" };
  else if (!product.published) purchase = { kind: "unavailable", reason: "unpublished" };
  else if (!card.price) purchase = { kind: "unavailable", reason: "no_price" };
  else if (!product.creator.chargesEnabled) purchase = { kind: "unavailable", reason: "creator_cannot_charge" };
  else if (isMembership)
    purchase = { kind: "subscribe", trialDays: memberships.length === 0 && trialDays ? trialDays : null };
  else purchase = { kind: "buy" };
  const { userId: _owner, chargesEnabled, ...creator } = product.creator;
  return {
    product: {
      ...card,
      creator,
      plans: plansOf(product.kind, product.prices).map(({ id: _id, ...plan }) => plan),
      trialDays: isMembership ? trialDays : null,
      published: product.published,
      deliverableName: product.deliverableName,
      deliverableMimeType: product.deliverableMimeType,
      deliverableSizeBytes: product.deliverableSizeBytes,
    },
    creator: { ...creator, chargesEnabled },
    isOwner,
    purchase,
  };
}

/** A product's cover file, for published products or their creator only; null means 404. */
export async function coverFor({ productId, viewerId }: { productId: string; viewerId: string | null }) {
  const product = await db().product.findUnique({
    where: { id: productId },
    select: { coverImagePath: true, published: true, creator: { select: { userId: true } } },
  });
  if (!product?.coverImagePath) return null;
  const isOwner = viewerId !== null && product.creator.userId === viewerId;
  if (!product.published && !isOwner) return null;
  const file = await coverFile(product.coverImagePath);
  if (!file) return null;
  return { ...file, etag: `"${product.coverImagePath.split("/").pop()}"`, isPublic: product.published };
}

/** A product's slug by its id, to send a buyer back to its page; null when there is no such product. */
export async function productSlugFor(productId: string) {
  const product = await db().product.findUnique({ where: { id: productId }, select: { slug: true } });
  return product?.slug ?? null;
}
