// The public catalog: published products with their current price.
import { db } from "#app/utils/db.server.ts";

export async function listPublishedProducts({ page = 1, pageSize = 12 }: { page?: number; pageSize?: number } = {}) {
  const where = { published: true };
  const [total, products] = await Promise.all([
    db().product.count({ where }),
    db().product.findMany({
      where,
      orderBy: { publishedAt: "desc" },
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: {
        id: true,
        title: true,
        slug: true,
        description: true,
        creator: { select: { displayName: true, slug: true } },
        prices: { where: { active: true }, orderBy: { createdAt: "desc" }, take: 1, select: { amount: true, currency: true } },
      },
    }),
  ]);
  return {
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / pageSize)),
    products: products.map(({ prices, ...product }) => ({ ...product, price: prices[0] ?? null })),
  };
}
