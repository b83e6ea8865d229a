// Catalog fixtures: a creator with a creator account, multipart product forms with real files, tiny valid images.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
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
export const PDF_BYTES = Buffer.from(
  "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
);

export function file(bytes: Buffer | string, name: string, type = "application/octet-stream") {
  return new File([new Uint8Array(typeof bytes === "string" ? Buffer.from(bytes) : bytes)], name, { type });
}

export const validProductFields = {
  title: "Field Notes Vol. 1",
  slug: "",
  description: "Forty pages of sketches.\nPrinted or digital.",
  price: "12.00",
  currency: "usd",
};

/** The product form for a membership: $10 a month or $100 a year, with a 7-day free trial. */
export const membershipFields = {
  kind: "MEMBERSHIP",
  title: "Makers Club",
  slug: "",
  description: "Monthly patterns and a members' forum.",
  monthlyPrice: "10.00",
  yearlyPrice: "100.00",
  trialDays: "7",
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

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer: Buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real PNG of a diagonal two-colour gradient (RGB), for covers that look like covers in screenshots. */
export function gradientPng(width = 800, height = 600, from = [79, 70, 229], to = [236, 72, 153]) {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      for (let c = 0; c < 3; c++) row[1 + x * 3 + c] = Math.round(from[c]! + (to[c]! - from[c]!) * t);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
