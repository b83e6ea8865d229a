// Entitlements: what a buyer may download. Access reads only the entitlement's state.
import { db } from "#app/utils/db.server.ts";
import type { EntitlementStatus } from "#app/generated/prisma/client.ts";

/** States in which the buyer may download the product. */
export const ACCESS_GRANTING: EntitlementStatus[] = ["ACTIVE", "RESTORED"];

export function listLibrary(userId: string) {
  return db().entitlement.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    select: { id: true, status: true, product: { select: { title: true, slug: true } } },
  });
}
