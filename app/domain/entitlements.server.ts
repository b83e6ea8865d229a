// Entitlements: what a buyer may download. Access reads only the entitlement's state.
import fs from "node:fs";
import path from "node:path";
import type { EntitlementStatus } from "#app/generated/prisma/client.ts";
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";

/** States in which the buyer may download the product. */
export const ACCESS_GRANTING: EntitlementStatus[] = ["ACTIVE", "RESTORED"];

export const ACCESS_WORDS: Record<EntitlementStatus, string> = {
  ACTIVE: "Ready to download",
  RESTORED: "Ready to download",
  FROZEN: "On hold while a payment dispute is reviewed",
  REVOKED: "No longer available (refunded or charged back)",
};

export function listLibrary(userId: string) {
  return db().entitlement.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      status: true,
      createdAt: true,
      product: {
        select: {
          title: true,
          slug: true,
          deliverableName: true,
          deliverableSizeBytes: true,
          creator: { select: { displayName: true } },
        },
      },
      order: { select: { number: true, totalAmount: true, refundedAmount: true, currency: true, paidAt: true } },
    },
  });
}

export class DownloadRefused extends Error {
  constructor(
    message: string,
    readonly status: 403 | 404,
  ) {
    super(message);
  }
}

/**
 * The file behind an entitlement, checked on every request: it must belong to the user and grant access now.
 * Entitlement ids are random, and a guessed one still fails the owner check.
 */
export async function deliverableFor(input: { userId: string; entitlementId: string }) {
  const entitlement = await db().entitlement.findFirst({
    where: { id: input.entitlementId, userId: input.userId },
    include: { product: { select: { deliverablePath: true, deliverableName: true, deliverableMimeType: true } } },
  });
  if (!entitlement) throw new DownloadRefused("We couldn't find that download in your library.", 404);
  if (!ACCESS_GRANTING.includes(entitlement.status))
    throw new DownloadRefused(`This download is unavailable: ${ACCESS_WORDS[entitlement.status].toLowerCase()}.`, 403);
  const { deliverablePath, deliverableName, deliverableMimeType } = entitlement.product;
  if (!deliverablePath) throw new DownloadRefused("The creator hasn't uploaded this file yet.", 404);
  const root = path.resolve(env().UPLOADS_DIR);
  const file = path.resolve(root, deliverablePath);
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file))
    throw new DownloadRefused("This file is missing. Please contact support.", 404);
  return {
    file,
    name: deliverableName ?? path.basename(file),
    mimeType: deliverableMimeType ?? "application/octet-stream",
    size: fs.statSync(file).size,
  };
}
