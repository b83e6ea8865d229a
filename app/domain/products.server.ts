// A creator's products: create, edit, publish and unpublish, always scoped by the owner. Prices are immutable rows: a
// price change deactivates the old row and adds a new one, so past orders keep the price they paid. Products are
// never deleted (orders point at them); they are unpublished instead. Every change writes an audit row in the same
// transaction as the change.
//
// A product is a one-time download (one price without an interval) or a membership (a monthly and/or a yearly price,
// optionally a free trial); the kind is fixed at creation. A membership's Stripe product and recurring prices are made
// after the rows are committed (`ensureMembershipStripePrices`), so a Stripe outage never loses an edit; checkout
// retries the same step.
import { z } from "zod";
import type { BillingInterval, Prisma, ProductKind } from "#app/generated/prisma/client.ts";
import { isStripeError } from "#app/stripe/client.server.ts";
import { db, isUniqueViolation, transaction, type Tx } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { DomainError, isDomainError } from "./errors.ts";
import { ensureMembershipStripePrices, INTERVAL_WORDS, LIVE_MEMBERSHIP } from "./memberships.server.ts";
import { formatMoney, minorUnitDigits, parseMoney } from "./money.ts";
import { parseForm, type FieldErrors } from "#app/utils/forms.server.ts";
import {
  discardStaged,
  readProductForm,
  removeStored,
  storeStagedFile,
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

export const PRODUCT_KINDS = ["DOWNLOAD", "MEMBERSHIP"] as const satisfies readonly ProductKind[];
export const INTERVALS = ["MONTH", "YEAR"] as const satisfies readonly BillingInterval[];
export const MAX_TRIAL_DAYS = 730;

/** The form field holding the price for each interval (`price` is a one-time download's). */
export const PRICE_FIELD = { MONTH: "monthlyPrice", YEAR: "yearlyPrice" } as const satisfies Record<
  BillingInterval,
  string
>;

const optionalText = z.string().trim().optional().default("");

/** Parses one typed amount, with Stripe's minimum for the currency; adds an issue on `field` instead when it's wrong. */
function checkedAmount(text: string, currency: Currency, fail: (message: string) => void): number | null {
  const parsed = parseMoney(text, currency);
  if (!parsed.ok) {
    fail(parsed.error);
    return null;
  }
  const minimum = MINIMUM_AMOUNT[currency];
  if (parsed.amount < minimum) {
    fail(`The lowest price Stripe accepts in ${currency.toUpperCase()} is ${formatMoney(minimum, currency)}`);
    return null;
  }
  return parsed.amount;
}

/**
 * The text fields of the product form. Amounts are the decimals the creator typed; they become minor units exactly.
 * A download has one `price`; a membership has `monthlyPrice` and/or `yearlyPrice` (same currency) and `trialDays`
 * (blank or 0 for none). `kind` defaults to a download.
 */
export const productFormSchema = z
  .object({
    kind: z
      .enum(PRODUCT_KINDS, { errorMap: () => ({ message: "Choose a one-time download or a membership" }) })
      .default("DOWNLOAD"),
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
      .refine(
        (s) => s === "" || SLUG_PATTERN.test(s),
        "Use lowercase letters a–z, digits and single dashes (like my-product)",
      )
      .optional()
      .default(""),
    description: z.string().max(5000, "Use at most 5,000 characters").optional().default(""),
    currency: z.enum(CURRENCIES, { errorMap: () => ({ message: "Choose a currency" }) }),
    price: optionalText,
    monthlyPrice: optionalText,
    yearlyPrice: optionalText,
    trialDays: optionalText,
  })
  .transform((input, ctx) => {
    let failed = false;
    const failOn = (field: string) => (message: string) => {
      failed = true;
      ctx.addIssue({ code: "custom", path: [field], message });
    };
    const prices: { interval: BillingInterval | null; amount: number }[] = [];
    let trialDays: number | null = null;
    if (input.kind === "DOWNLOAD") {
      const amount = input.price ? checkedAmount(input.price, input.currency, failOn("price")) : null;
      if (!input.price) failOn("price")("Enter a price");
      if (amount !== null) prices.push({ interval: null, amount });
    } else {
      if (!input.monthlyPrice && !input.yearlyPrice)
        failOn("monthlyPrice")("Enter a monthly price, a yearly price or both");
      for (const interval of INTERVALS) {
        const text = input[PRICE_FIELD[interval]];
        const amount = text ? checkedAmount(text, input.currency, failOn(PRICE_FIELD[interval])) : null;
        if (amount !== null) prices.push({ interval, amount });
      }
      if (input.trialDays) {
        const days = /^\d{1,4}$/.test(input.trialDays) ? Number(input.trialDays) : NaN;
        if (!(days <= MAX_TRIAL_DAYS)) failOn("trialDays")(`Enter a whole number of days from 0 to ${MAX_TRIAL_DAYS}`);
        else trialDays = days === 0 ? null : days;
      }
    }
    const slug = input.slug || slugify(input.title);
    if (!slug) failOn("slug")("Enter a slug with letters or digits");
    // Every problem in the prices, trial and slug is reported at once; nothing is returned while there is one.
    if (failed) return z.NEVER;
    return {
      kind: input.kind,
      title: input.title,
      slug,
      slugGenerated: !input.slug,
      description: input.description.replace(/\r\n/g, "\n").trim(),
      currency: input.currency,
      prices,
      trialDays,
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
    if (!isDomainError(error, "upload_rejected", "upload_too_large")) throw error;
    const fieldErrors: FieldErrors = error.field ? { [error.field]: error.message } : {};
    return {
      ok: false,
      fieldErrors,
      values: {},
      formError: error.field ? null : error.message,
      status: error.status,
    };
  }
  const parsed = parseForm(form.fields, productFormSchema);
  const fileErrors = Object.fromEntries(Object.entries(form.fileErrors).filter(([, v]) => v)) as FieldErrors;
  if (parsed.ok && Object.keys(fileErrors).length === 0) return { ok: true, data: parsed.data, files: form.files };
  await discardStaged(form.files);
  const values = Object.fromEntries([...form.fields.entries()].filter(([, v]) => typeof v === "string")) as Record<
    string,
    string
  >;
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
    kind: data.kind,
    title: data.title,
    slug: data.slugGenerated ? "" : data.slug,
    description: data.description,
    currency: data.currency,
    ...priceInputs(data.prices, data.currency),
    trialDays: data.trialDays ? String(data.trialDays) : "",
  };
}

/** The price fields of the form for a product's current prices. */
export function priceInputs(prices: { interval: BillingInterval | null; amount: number }[], currency: string) {
  const fields: Record<string, string> = {};
  for (const price of prices)
    fields[price.interval ? PRICE_FIELD[price.interval] : "price"] = amountToInput(price.amount, currency);
  return fields;
}

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

async function creatorFor(tx: Tx | ReturnType<typeof db>, userId: string) {
  const creator = await tx.creatorAccount.findUnique({
    where: { userId },
    select: { id: true, chargesEnabled: true, defaultCurrency: true, slug: true },
  });
  if (!creator)
    throw new DomainError("not_found", "Your creator account is missing. Please contact support.", { status: 404 });
  return creator;
}

/** The owner's product, or a 404 for anyone else (a creator never learns whether another's product exists). */
async function ownedProduct(tx: Tx | ReturnType<typeof db>, userId: string, productId: string) {
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
    if (isUniqueViolation(error)) throw new DomainError("slug_taken", SLUG_TAKEN, { field: "slug" });
    throw error;
  }
}

/** What happened in Stripe after a save: a membership's prices are `ready`, or Stripe was `unreachable` (retried at checkout). */
export type StripeSetup = "ready" | "unreachable" | null;

export const STRIPE_UNREACHABLE =
  "Saved. We couldn't reach Stripe to set up the prices; we'll retry when someone subscribes.";

/**
 * After a membership's rows are committed: its Stripe product and prices, and archiving replaced prices in Stripe. A
 * Stripe failure keeps the saved product (checkout runs the same step again); anything else is a real error.
 */
async function setUpStripePrices(product: { id: string; kind: ProductKind }): Promise<StripeSetup> {
  if (product.kind !== "MEMBERSHIP") return null;
  try {
    await ensureMembershipStripePrices(product.id);
    return "ready";
  } catch (error) {
    if (isStripeError(error)) return "unreachable";
    throw error;
  }
}

/** The audit fields of a price: its interval only for memberships. */
function priceAudit(price: { id: string; amount: number; currency: string; interval: BillingInterval | null }) {
  return { priceId: price.id, amount: price.amount, currency: price.currency, interval: price.interval };
}

export async function createProduct(input: { userId: string; data: ProductInput; files: Files; actor: AuditActor }) {
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
  files: Files;
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
 * Publishing needs charges enabled on the creator's Stripe account and a current price; a download also needs a file
 * to deliver (a membership's file is optional).
 */
export async function publishProduct(input: { userId: string; productId: string; actor: AuditActor }) {
  const result = await transaction(async (tx) => {
    const creator = await creatorFor(tx, input.userId);
    const product = await ownedProduct(tx, input.userId, input.productId);
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
