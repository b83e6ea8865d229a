// Catalog fixtures: a creator with a creator account, multipart product forms with real files, tiny valid images.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "#app/utils/db.server.ts";
import { createUser, sessionCookie, TEST_ORIGIN } from "./requests.ts";

/** Points UPLOADS_DIR at a fresh temporary directory; call before anything reads the environment. */
export function useTemporaryUploadsDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uploads-"));
  process.env.UPLOADS_DIR = dir;
  return dir;
}

/** Every file under `dir`, relative to it (the staging area included). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((entry) => fs.statSync(path.join(dir, entry)).isFile())
    .sort();
}

let sequence = 0;

export async function creatorWithAccount(options: { chargesEnabled?: boolean; bio?: string } = {}) {
  sequence += 1;
  const { user } = await createUser({ role: "CREATOR", name: `Creator ${sequence}` });
  const creator = await db().creatorAccount.create({
    data: {
      userId: user.id,
      displayName: `Studio ${sequence}`,
      slug: `studio-${sequence}-${user.id.slice(-6)}`,
      bio: options.bio ?? "",
      chargesEnabled: options.chargesEnabled ?? true,
      onboardingStatus: options.chargesEnabled === false ? "NOT_STARTED" : "ACTIVE",
    },
  });
  return { user, creator, cookie: await sessionCookie(user.id) };
}

/** A 1×1 PNG. */
export const PNG_BYTES = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
export const PDF_BYTES = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

export function file(bytes: Buffer | string, name: string, type = "application/octet-stream") {
  return new File([typeof bytes === "string" ? Buffer.from(bytes) : bytes], name, { type });
}

export const validProductFields = {
  title: "Field Notes Vol. 1",
  slug: "",
  description: "Forty pages of sketches.\nPrinted or digital.",
  price: "12.00",
  currency: "usd",
};

/** A multipart POST as the browser sends the product form. */
export function productFormRequest(
  pathname: string,
  fields: Record<string, string>,
  files: { cover?: File; deliverable?: File } = {},
  options: { cookie?: string } = {},
) {
  const body = new FormData();
  body.set("intent", "save");
  for (const [key, value] of Object.entries(fields)) body.set(key, value);
  if (files.cover) body.set("cover", files.cover);
  if (files.deliverable) body.set("deliverable", files.deliverable);
  return new Request(`${TEST_ORIGIN}${pathname}`, {
    method: "POST",
    headers: { Origin: TEST_ORIGIN, "x-client-ip": "127.0.0.1", ...(options.cookie ? { Cookie: options.cookie } : {}) },
    body,
  });
}

/** A bought product: order, item and entitlement rows as fulfillment writes them. */
export async function grantEntitlement(input: {
  buyerId: string;
  product: { id: string; creatorId: string; title: string };
  price: { id: string; amount: number; currency: string };
  status?: "ACTIVE" | "FROZEN" | "RESTORED" | "REVOKED";
}) {
  const buyer = await db().user.findUniqueOrThrow({ where: { id: input.buyerId } });
  const fee = Math.floor(input.price.amount / 10);
  const order = await db().order.create({
    data: {
      buyerId: buyer.id,
      creatorId: input.product.creatorId,
      buyerEmail: buyer.email,
      currency: input.price.currency,
      totalAmount: input.price.amount,
      applicationFeeAmount: fee,
      creatorAmount: input.price.amount - fee,
      paidAt: new Date(),
      items: {
        create: {
          productId: input.product.id,
          priceId: input.price.id,
          productTitle: input.product.title,
          unitAmount: input.price.amount,
          amount: input.price.amount,
          currency: input.price.currency,
          applicationFeeAmount: fee,
          feeBps: 1000,
        },
      },
    },
    include: { items: true },
  });
  return db().entitlement.create({
    data: {
      userId: buyer.id,
      productId: input.product.id,
      orderId: order.id,
      orderItemId: order.items[0]!.id,
      status: input.status ?? "ACTIVE",
    },
  });
}
