// A creator's products: create, edit, publish and unpublish, always scoped by the owner. Prices are immutable rows: a
// price change deactivates the old row and adds a new one, so past orders keep the price they paid. Products are
// never deleted (orders point at them); they are unpublished instead. Every change writes an audit row in the same
// transaction as the change.
import { z } from "zod";
import type { Prisma } from "#app/generated/prisma/client.ts";
import { db, isUniqueViolation, transaction, type Tx } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { formatMoney, minorUnitDigits, parseMoney } from "./money.ts";
import { parseForm, type FieldErrors } from "#app/utils/forms.server.ts";
import {
  discardStaged,
  readProductForm,
  removeStored,
  storeStagedFile,
  UploadRejected,
  type StagedFile,
  type StoredFile,
  type UploadKind,
} from "./uploads.server.ts";

export const CURRENCIES = ["usd", "eur", "gbp", "jpy", "cad", "aud"] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Stripe's smallest chargeable amount per currency, in minor units. */
export const MINIMUM_AMOUNT: Record<Currency, number> = { usd: 50, eur: 50, gbp: 30, jpy: 50, cad: 50, aud: 50 };

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** "Film Presets — Vol. 2!" → "film-presets-vol-2". Accents are folded; anything else becomes a dash. */
export function slugify(text: string) {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/g, "");
}

/** The text fields of the product form. `price` is the decimal the creator typed; it becomes `amount` exactly. */
export const productFormSchema = z
  .object({
    title: z
      .string({ required_error: "Enter a title" })
      .trim()
      .min(1, "Enter a title")
      .max(120, "Use at most 120 characters"),
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .max(80, "Use at most 80 characters")
      .refine((s) => s === "" || SLUG_PATTERN.test(s), "Use lowercase letters a–z, digits and single dashes (like my-product)")
      .optional()
      .default(""),
    description: z.string().max(5000, "Use at most 5,000 characters").optional().default(""),
    currency: z.enum(CURRENCIES, { errorMap: () => ({ message: "Choose a currency" }) }),
    price: z.string({ required_error: "Enter a price" }).trim().min(1, "Enter a price"),
  })
  .transform((input, ctx) => {
    const parsed = parseMoney(input.price, input.currency);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", path: ["price"], message: parsed.error });
      return z.NEVER;
    }
    const minimum = MINIMUM_AMOUNT[input.currency];
    if (parsed.amount < minimum) {
      ctx.addIssue({
        code: "custom",
        path: ["price"],
        message: `The lowest price Stripe accepts in ${input.currency.toUpperCase()} is ${formatMoney(minimum, input.currency)}`,
      });
      return z.NEVER;
    }
    const slug = input.slug || slugify(input.title);
    if (!slug) {
      ctx.addIssue({ code: "custom", path: ["slug"], message: "Enter a slug with letters or digits" });
      return z.NEVER;
    }
    return {
      title: input.title,
      slug,
      slugGenerated: !input.slug,
      description: input.description.replace(/\r\n/g, "\n").trim(),
      amount: parsed.amount,
      currency: input.currency,
    };
  });

export type ProductInput = z.output<typeof productFormSchema>;

/**
 * Reads and checks a product form (multipart): the fields with `productFormSchema`, the files by size and content.
 * On any problem nothing is kept (staged files are removed) and the field errors come back with the typed values.
 */
export async function parseProductSubmission(
  request: Request,
): Promise<
  | { ok: true; data: ProductInput; files: Partial<Record<UploadKind, StagedFile>> }
  | { ok: false; fieldErrors: FieldErrors; values: Record<string, string>; formError: string | null; status: number }
> {
  let form: Awaited<ReturnType<typeof readProductForm>>;
  try {
    form = await readProductForm(request);
  } catch (error) {
    if (!(error instanceof UploadRejected)) throw error;
    const fieldErrors: FieldErrors = error.field === "form" ? {} : { [error.field]: error.message };
    return { ok: false, fieldErrors, values: {}, formError: error.field === "form" ? error.message : null, status: error.status };
  }
  const parsed = parseForm(form.fields, productFormSchema);
  const fileErrors = Object.fromEntries(Object.entries(form.fileErrors).filter(([, v]) => v)) as FieldErrors;
  if (parsed.ok && Object.keys(fileErrors).length === 0) return { ok: true, data: parsed.data, files: form.files };
  await discardStaged(form.files);
  const values = Object.fromEntries([...form.fields.entries()].filter(([, v]) => typeof v === "string")) as Record<string, string>;
  return {
    ok: false,
    fieldErrors: { ...(parsed.ok ? {} : parsed.fieldErrors), ...fileErrors },
    values,
    formError: null,
    status: 400,
  };
}

/** The decimal text for a stored amount, as the form shows it ("12.00", "1500"). */
export function amountToInput(amount: number, currency: string) {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(amount);
  const whole = Math.floor(amount / 10 ** digits);
  const fraction = String(amount % 10 ** digits).padStart(digits, "0");
  return `${whole}.${fraction}`;
}

/** The form values to show again after a refusal that came after parsing (e.g. a slug conflict). */
export function submittedValues(data: ProductInput): Record<string, string> {
  return {
    title: data.title,
    slug: data.slugGenerated ? "" : data.slug,
    description: data.description,
    price: amountToInput(data.amount, data.currency),
    currency: data.currency,
  };
}

export class ProductError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
    readonly field: "slug" | "cover" | "deliverable" | "form" = "form",
  ) {
    super(message);
  }
}

/** For loaders and actions: a missing (or someone else's) product or creator account becomes a 404 page. */
export function rethrowAsNotFound(error: unknown): never {
  if (error instanceof ProductError && error.status === 404) throw new Response(error.message, { status: 404 });
  throw error;
}

export const SLUG_TAKEN = "That slug is already used by another product. Choose another one.";
export const CHARGES_DISABLED =
  "You can't publish yet: finish Stripe onboarding on your creator studio (/creator) so you can accept payments.";

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
  prices: {
    where: { active: true },
    orderBy: { createdAt: "desc" },
    take: 1,
    select: { id: true, amount: true, currency: true },
  },
} satisfies Prisma.ProductSelect;

async function creatorFor(tx: Tx | ReturnType<typeof db>, userId: string) {
  const creator = await tx.creatorAccount.findUnique({
    where: { userId },
    select: { id: true, chargesEnabled: true, defaultCurrency: true, slug: true },
  });
  if (!creator) throw new ProductError("Your creator account is missing. Please contact support.", 404);
  return creator;
}

/** The owner's product, or a 404 for anyone else (a creator never learns whether another's product exists). */
async function ownedProduct(tx: Tx | ReturnType<typeof db>, userId: string, productId: string) {
  const product = await tx.product.findFirst({
    where: { id: productId, creator: { userId } },
    select: productSelect,
  });
  if (!product) throw new ProductError("We couldn't find that product in your shop.", 404);
  const { prices, ...rest } = product;
  return { ...rest, price: prices[0] ?? null };
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
      select: { ...productSelect, _count: { select: { orderItems: true } } },
    }),
  ]);
  return {
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / pageSize)),
    products: rows.map(({ prices, ...product }) => ({ ...product, price: prices[0] ?? null })),
  };
}

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

type Files = Partial<Record<UploadKind, StagedFile>>;

/** Moves the staged files into place; if anything later fails, `undo` removes them again. */
async function storeAll(files: Files) {
  const stored: Partial<Record<UploadKind, StoredFile>> = {};
  for (const kind of ["cover", "deliverable"] as const) {
    const file = files[kind];
    if (file) stored[kind] = await storeStagedFile(file);
  }
  return { stored, undo: () => removeStored(Object.values(stored).map((f) => f.relativePath)) };
}

function fileColumns(stored: Partial<Record<UploadKind, StoredFile>>) {
  return {
    ...(stored.cover ? { coverImagePath: stored.cover.relativePath } : {}),
    ...(stored.deliverable
      ? {
          deliverablePath: stored.deliverable.relativePath,
          deliverableName: stored.deliverable.originalName,
          deliverableMimeType: stored.deliverable.mimeType,
          deliverableSizeBytes: stored.deliverable.sizeBytes,
        }
      : {}),
  };
}

/** Runs `work` with the files stored; on any failure the files are removed and slug conflicts become a 409. */
async function withFiles<T>(files: Files, work: (stored: Partial<Record<UploadKind, StoredFile>>) => Promise<T>) {
  let undo: () => Promise<void> = () => discardStaged(files);
  try {
    const result = await storeAll(files);
    undo = result.undo;
    return await work(result.stored);
  } catch (error) {
    await undo();
    if (isUniqueViolation(error)) throw new ProductError(SLUG_TAKEN, 409, "slug");
    throw error;
  }
}

export async function createProduct(input: { userId: string; data: ProductInput; files: Files; actor: AuditActor }) {
  const { data } = input;
  return withFiles(input.files, (stored) =>
    transaction(async (tx) => {
      const creator = await creatorFor(tx, input.userId);
      const slug = data.slugGenerated ? await freeSlug(tx, data.slug) : data.slug;
      if (!data.slugGenerated && (await tx.product.count({ where: { slug } })))
        throw new ProductError(SLUG_TAKEN, 409, "slug");
      const product = await tx.product.create({
        data: {
          creatorId: creator.id,
          title: data.title,
          slug,
          description: data.description,
          ...fileColumns(stored),
          prices: { create: { amount: data.amount, currency: data.currency } },
        },
        select: { id: true, slug: true, prices: { select: { id: true } } },
      });
      await audit(tx, {
        actor: input.actor,
        action: "product.created",
        entityType: "product",
        entityId: product.id,
        amount: data.amount,
        currency: data.currency,
        data: { slug, title: data.title, priceId: product.prices[0]!.id },
      });
      return { id: product.id, slug: product.slug };
    }),
  );
}

export async function updateProduct(input: {
  userId: string;
  productId: string;
  data: ProductInput;
  files: Files;
  actor: AuditActor;
}) {
  const { data } = input;
  const replaced: (string | null)[] = [];
  const result = await withFiles(input.files, (stored) =>
    transaction(async (tx) => {
      const current = await ownedProduct(tx, input.userId, input.productId);
      let slug = data.slug;
      if (data.slugGenerated) slug = current.slug;
      else if (slug !== current.slug && (await tx.product.count({ where: { slug, id: { not: current.id } } })))
        throw new ProductError(SLUG_TAKEN, 409, "slug");
      await tx.product.update({
        where: { id: current.id },
        data: { title: data.title, slug, description: data.description, ...fileColumns(stored) },
      });
      const priceChanged = !current.price || current.price.amount !== data.amount || current.price.currency !== data.currency;
      if (priceChanged) {
        await tx.price.updateMany({ where: { productId: current.id, active: true }, data: { active: false } });
        const price = await tx.price.create({
          data: { productId: current.id, amount: data.amount, currency: data.currency },
        });
        await audit(tx, {
          actor: input.actor,
          action: "product.price_changed",
          entityType: "product",
          entityId: current.id,
          amount: data.amount,
          currency: data.currency,
          data: {
            priceId: price.id,
            previousPriceId: current.price?.id ?? null,
            previousAmount: current.price?.amount ?? null,
            previousCurrency: current.price?.currency ?? null,
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
        },
      });
      if (stored.cover) replaced.push(current.coverImagePath);
      if (stored.deliverable) replaced.push(current.deliverablePath);
      return { id: current.id, slug, priceChanged };
    }),
  );
  // Only after the commit: the files the product no longer points at. (A download already streaming keeps its handle.)
  await removeStored(replaced);
  return result;
}

/** Publishing needs charges enabled on the creator's Stripe account, a current price and a file to deliver. */
export async function publishProduct(input: { userId: string; productId: string; actor: AuditActor }) {
  return transaction(async (tx) => {
    const creator = await creatorFor(tx, input.userId);
    const product = await ownedProduct(tx, input.userId, input.productId);
    if (!creator.chargesEnabled) throw new ProductError(CHARGES_DISABLED, 409);
    if (!product.deliverablePath)
      throw new ProductError("Upload the file buyers will download before publishing.", 409, "deliverable");
    if (!product.price) throw new ProductError("Set a price before publishing.", 409);
    if (product.published) return { id: product.id, slug: product.slug, changed: false };
    await tx.product.update({ where: { id: product.id }, data: { published: true, publishedAt: new Date() } });
    await audit(tx, {
      actor: input.actor,
      action: "product.published",
      entityType: "product",
      entityId: product.id,
      amount: product.price.amount,
      currency: product.price.currency,
      data: { slug: product.slug, priceId: product.price.id },
    });
    return { id: product.id, slug: product.slug, changed: true };
  });
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
