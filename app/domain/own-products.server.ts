// A creator's own products as their studio pages read them, always scoped by the owner: one product, the list, and
// the creator account they sell under. Only the current prices come back (monthly before yearly for a membership).
import type { BillingInterval, Prisma, ProductKind } from "#app/generated/prisma/client.ts";
import { db, type Tx } from "#app/utils/db.server.ts";
import { DomainError, isDomainError } from "./errors.ts";
import { INTERVAL_WORDS, LIVE_MEMBERSHIP } from "./memberships.server.ts";
import { formatMoney } from "./money.ts";
import { INTERVALS } from "./product-form.ts";

/** "$10.00 / month · $100.00 / year" for a membership, "$12.00" for a download. */
export function describePrices(prices: { interval: BillingInterval | null; amount: number; currency: string }[]) {
  return prices
    .map((p) => formatMoney(p.amount, p.currency) + (p.interval ? ` / ${INTERVAL_WORDS[p.interval].noun}` : ""))
    .join(" · ");
}

export function describeTrial(trialDays: number | null) {
  return trialDays ? `${trialDays}-day free trial` : null;
}

/** For loaders and actions: a missing (or someone else's) product or creator account becomes a 404 page. */
export function rethrowAsNotFound(error: unknown): never {
  if (isDomainError(error) && error.status === 404) throw new Response(error.message, { status: 404 });
  throw error;
}

const productSelect = {
  id: true,
  creatorId: true,
  title: true,
  slug: true,
  description: true,
  coverImagePath: true,
  deliverablePath: true,
  deliverableName: true,
  deliverableMimeType: true,
  deliverableSizeBytes: true,
  published: true,
  publishedAt: true,
  createdAt: true,
  updatedAt: true,
  kind: true,
  trialDays: true,
  prices: {
    where: { active: true },
    orderBy: { createdAt: "desc" },
    select: { id: true, amount: true, currency: true, interval: true, stripePriceId: true },
  },
} satisfies Prisma.ProductSelect;

type ActivePrice = Prisma.PriceGetPayload<{ select: (typeof productSelect)["prices"]["select"] }>;

/**
 * The current prices: `price`, a download's one-time price (or, for a membership, its first current price) and
 * `prices`, all current ones with the monthly before the yearly.
 */
function withPrices<T extends { kind: ProductKind; prices: ActivePrice[] }>({ prices, ...product }: T) {
  const order = (p: ActivePrice) => (p.interval === null ? 0 : INTERVALS.indexOf(p.interval) + 1);
  const current =
    product.kind === "MEMBERSHIP"
      ? prices.filter((p) => p.interval !== null)
      : prices.filter((p) => p.interval === null).slice(0, 1);
  current.sort((a, b) => order(a) - order(b));
  return { ...product, price: current[0] ?? null, prices: current };
}

export async function creatorFor(tx: Tx | ReturnType<typeof db>, userId: string) {
  const creator = await tx.creatorAccount.findUnique({
    where: { userId },
    select: { id: true, chargesEnabled: true, defaultCurrency: true, slug: true },
  });
  if (!creator)
    throw new DomainError("not_found", "Your creator account is missing. Please contact support.", { status: 404 });
  return creator;
}

/** The owner's product, or a 404 for anyone else (a creator never learns whether another's product exists). */
export async function ownedProduct(tx: Tx | ReturnType<typeof db>, userId: string, productId: string) {
  const product = await tx.product.findFirst({
    where: { id: productId, creator: { userId } },
    select: productSelect,
  });
  if (!product) throw new DomainError("not_found", "We couldn't find that product in your shop.", { status: 404 });
  return withPrices(product);
}

export async function getOwnedProduct(input: { userId: string; productId: string }) {
  return ownedProduct(db(), input.userId, input.productId);
}

export async function getCreatorStudioSummary(userId: string) {
  return creatorFor(db(), userId);
}

export async function listOwnProducts(input: { userId: string; page?: number; pageSize?: number }) {
  const page = input.page ?? 1;
  const pageSize = input.pageSize ?? 20;
  const where = { creator: { userId: input.userId } } satisfies Prisma.ProductWhereInput;
  const [total, rows] = await Promise.all([
    db().product.count({ where }),
    db().product.findMany({
      where,
      orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: {
        ...productSelect,
        _count: { select: { orderItems: true, memberships: { where: { status: { in: LIVE_MEMBERSHIP } } } } },
      },
    }),
  ]);
  return {
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / pageSize)),
    products: rows.map(withPrices),
  };
}
