// A creator's products: create, edit, publish and unpublish, always scoped by the owner. Prices are immutable rows: a
// price change deactivates the old row and adds a new one, so past orders keep the price they paid. Products are
// never deleted (orders point at them); they are unpublished instead. Every change writes an audit row in the same
// transaction as the change.
//
// A product is a one-time download (one price without an interval) or a membership (a monthly and/or a yearly price,
// optionally a free trial); the kind is fixed at creation. A membership's Stripe product and recurring prices are made
// after the rows are committed (`ensureMembershipStripePrices`), so a Stripe outage never loses an edit; checkout
// retries the same step (product-prices.server.ts).
import type { BillingInterval } from "#app/generated/prisma/client.ts";
import { isUniqueViolation, transaction, type Tx } from "#app/utils/db.server.ts";
import { emailVerified, UNVERIFIED_CANNOT_PUBLISH } from "./account-email.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { DomainError } from "./errors.ts";
import { creatorFor, ownedProduct } from "./own-products.server.ts";
import { INTERVALS, type ProductInput } from "./product-form.ts";
import { fileColumns, storeProductFiles, type ProductFiles, type StoredProductFiles } from "./product-files.server.ts";
import { setUpStripePrices } from "./product-prices.server.ts";
import { discardStaged, removeStored } from "./uploads.server.ts";

export const SLUG_TAKEN = "That slug is already used by another product. Choose another one.";
export const CHARGES_DISABLED =
  "You can't publish yet: finish Stripe onboarding on your creator studio (/creator) so you can accept payments.";

/** A free slug based on `base` ("notes", "notes-2", "notes-3", …), for slugs generated from the title. */
async function freeSlug(tx: Tx, base: string, exceptProductId?: string) {
  const taken = new Set(
    (
      await tx.product.findMany({
        where: { slug: { startsWith: base }, ...(exceptProductId ? { id: { not: exceptProductId } } : {}) },
        select: { slug: true },
      })
    ).map((p) => p.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Runs `work` with the files stored; on any failure the files are removed and slug conflicts become a 409. */
async function withFiles<T>(files: ProductFiles, work: (stored: StoredProductFiles) => Promise<T>) {
  let undo: () => Promise<void> = () => discardStaged(files);
  try {
    const result = await storeProductFiles(files);
    undo = result.undo;
    return await work(result.stored);
  } catch (error) {
    await undo();
    if (isUniqueViolation(error)) throw new DomainError("slug_taken", SLUG_TAKEN, { field: "slug" });
    throw error;
  }
}

/** The audit fields of a price: its interval only for memberships. */
function priceAudit(price: { id: string; amount: number; currency: string; interval: BillingInterval | null }) {
  return { priceId: price.id, amount: price.amount, currency: price.currency, interval: price.interval };
}

export async function createProduct(input: {
  userId: string;
  data: ProductInput;
  files: ProductFiles;
  actor: AuditActor;
}) {
  const { data } = input;
  const created = await withFiles(input.files, (stored) =>
    transaction(async (tx) => {
      const creator = await creatorFor(tx, input.userId);
      const slug = data.slugGenerated ? await freeSlug(tx, data.slug) : data.slug;
      if (!data.slugGenerated && (await tx.product.count({ where: { slug } })))
        throw new DomainError("slug_taken", SLUG_TAKEN, { field: "slug" });
      const product = await tx.product.create({
        data: {
          creatorId: creator.id,
          kind: data.kind,
          trialDays: data.trialDays,
          title: data.title,
          slug,
          description: data.description,
          ...fileColumns(stored),
          prices: {
            create: data.prices.map((p) => ({ amount: p.amount, currency: data.currency, interval: p.interval })),
          },
        },
        select: {
          id: true,
          slug: true,
          kind: true,
          prices: { select: { id: true, amount: true, currency: true, interval: true } },
        },
      });
      const prices = data.prices.map((wanted) => product.prices.find((p) => p.interval === wanted.interval)!);
      await audit(tx, {
        actor: input.actor,
        action: "product.created",
        entityType: "product",
        entityId: product.id,
        amount: prices[0]!.amount,
        currency: data.currency,
        data: {
          slug,
          title: data.title,
          kind: data.kind,
          priceId: prices[0]!.id,
          ...(data.kind === "MEMBERSHIP" ? { prices: prices.map(priceAudit), trialDays: data.trialDays } : {}),
        },
      });
      return { id: product.id, slug: product.slug, kind: product.kind };
    }),
  );
  return { ...created, stripe: await setUpStripePrices(created) };
}

export async function updateProduct(input: {
  userId: string;
  productId: string;
  data: ProductInput;
  files: ProductFiles;
  actor: AuditActor;
}) {
  const { data } = input;
  const replaced: (string | null)[] = [];
  const result = await withFiles(input.files, (stored) =>
    transaction(async (tx) => {
      const current = await ownedProduct(tx, input.userId, input.productId);
      if (data.kind !== current.kind)
        throw new DomainError("kind_locked", "A product's kind can't change after it's created.", { status: 400 });
      let slug = data.slug;
      if (data.slugGenerated) slug = current.slug;
      else if (slug !== current.slug && (await tx.product.count({ where: { slug, id: { not: current.id } } })))
        throw new DomainError("slug_taken", SLUG_TAKEN, { field: "slug" });
      await tx.product.update({
        where: { id: current.id },
        data: {
          title: data.title,
          slug,
          description: data.description,
          // Only new members get the new trial: a subscription's trial is set when it starts.
          ...(current.kind === "MEMBERSHIP" ? { trialDays: data.trialDays } : {}),
          ...fileColumns(stored),
        },
      });
      // Prices are immutable rows, one current row per interval (downloads: the one without). A changed, added or
      // removed price deactivates the old row and adds the new one; members and past orders keep the row they have.
      const intervals = data.kind === "MEMBERSHIP" ? INTERVALS : ([null] as const);
      let priceChanged = false;
      for (const interval of intervals) {
        const before = current.prices.find((p) => p.interval === interval) ?? null;
        const wanted = data.prices.find((p) => p.interval === interval) ?? null;
        if (before && wanted && before.amount === wanted.amount && before.currency === data.currency) continue;
        if (!before && !wanted) continue;
        priceChanged = true;
        if (before)
          await tx.price.updateMany({
            where: { productId: current.id, interval, active: true },
            data: { active: false },
          });
        const price = wanted
          ? await tx.price.create({
              data: { productId: current.id, amount: wanted.amount, currency: data.currency, interval },
            })
          : null;
        await audit(tx, {
          actor: input.actor,
          action: "product.price_changed",
          entityType: "product",
          entityId: current.id,
          amount: price?.amount ?? null,
          currency: price?.currency ?? null,
          data: {
            ...(current.kind === "MEMBERSHIP" ? { interval } : {}),
            priceId: price?.id ?? null,
            previousPriceId: before?.id ?? null,
            previousAmount: before?.amount ?? null,
            previousCurrency: before?.currency ?? null,
          },
        });
      }
      await audit(tx, {
        actor: input.actor,
        action: "product.updated",
        entityType: "product",
        entityId: current.id,
        data: {
          slug,
          title: data.title,
          coverReplaced: Boolean(stored.cover),
          deliverableReplaced: Boolean(stored.deliverable),
          ...(current.kind === "MEMBERSHIP" && current.trialDays !== data.trialDays
            ? { trialDays: data.trialDays, previousTrialDays: current.trialDays }
            : {}),
        },
      });
      if (stored.cover) replaced.push(current.coverImagePath);
      if (stored.deliverable) replaced.push(current.deliverablePath);
      return { id: current.id, slug, kind: current.kind, priceChanged };
    }),
  );
  // Only after the commit: the files the product no longer points at. (A download already streaming keeps its handle.)
  await removeStored(replaced);
  return { ...result, stripe: await setUpStripePrices(result) };
}

/**
 * Publishing needs a confirmed email address, charges enabled on the creator's Stripe account and a current price; a
 * download also needs a file to deliver (a membership's file is optional).
 */
export async function publishProduct(input: { userId: string; productId: string; actor: AuditActor }) {
  const result = await transaction(async (tx) => {
    const creator = await creatorFor(tx, input.userId);
    const product = await ownedProduct(tx, input.userId, input.productId);
    if (!product.published && !(await emailVerified(tx, input.userId)))
      throw new DomainError("not_publishable", UNVERIFIED_CANNOT_PUBLISH, { status: 403 });
    if (!creator.chargesEnabled) throw new DomainError("not_publishable", CHARGES_DISABLED);
    if (product.kind === "DOWNLOAD" && !product.deliverablePath)
      throw new DomainError("not_publishable", "Upload the file buyers will download before publishing.", {
        field: "deliverable",
      });
    if (!product.price) throw new DomainError("not_publishable", "Set a price before publishing.");
    if (product.published) return { id: product.id, slug: product.slug, kind: product.kind, changed: false };
    await tx.product.update({ where: { id: product.id }, data: { published: true, publishedAt: new Date() } });
    await audit(tx, {
      actor: input.actor,
      action: "product.published",
      entityType: "product",
      entityId: product.id,
      amount: product.price.amount,
      currency: product.price.currency,
      data: {
        slug: product.slug,
        priceId: product.price.id,
        ...(product.kind === "MEMBERSHIP"
          ? { prices: product.prices.map(priceAudit), trialDays: product.trialDays }
          : {}),
      },
    });
    return { id: product.id, slug: product.slug, kind: product.kind, changed: true };
  });
  return { ...result, stripe: await setUpStripePrices(result) };
}

/** Takes a product off sale. Buyers keep their access; nothing is deleted. */
export async function unpublishProduct(input: { userId: string; productId: string; actor: AuditActor }) {
  return transaction(async (tx) => {
    const product = await ownedProduct(tx, input.userId, input.productId);
    if (!product.published) return { id: product.id, slug: product.slug, changed: false };
    await tx.product.update({ where: { id: product.id }, data: { published: false } });
    await audit(tx, {
      actor: input.actor,
      action: "product.unpublished",
      entityType: "product",
      entityId: product.id,
      amount: product.price?.amount ?? null,
      currency: product.price?.currency ?? null,
      data: { slug: product.slug },
    });
    return { id: product.id, slug: product.slug, changed: true };
  });
}
