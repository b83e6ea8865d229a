// Entitlements: what a buyer may download. Access reads only the entitlement's state.
import fs from "node:fs";
import path from "node:path";
import type { EntitlementStatus } from "#app/generated/prisma/client.ts";
import { db, type Tx } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { DomainError } from "./errors.ts";
import { refreshMembershipAccess } from "./memberships.server.ts";
import { resolveUpload } from "./uploads.server.ts";

/** States in which the buyer may download the product (GRACE only until its `accessEndsAt`). */
export const ACCESS_GRANTING: EntitlementStatus[] = ["ACTIVE", "RESTORED", "GRACE"];

export const ACCESS_WORDS: Record<EntitlementStatus, string> = {
  ACTIVE: "Ready to download",
  RESTORED: "Ready to download",
  FROZEN: "On hold while a payment dispute is reviewed",
  REVOKED: "No longer available (refunded or charged back)",
  GRACE: "Available for now — the last membership payment failed",
  PAUSED: "Paused with your membership",
  ENDED: "Your membership has ended",
};

/** Whether an entitlement lets its owner download right now. */
export function grantsAccess(entitlement: { status: EntitlementStatus; accessEndsAt: Date | null }, now = new Date()) {
  if (entitlement.status === "GRACE") return entitlement.accessEndsAt !== null && entitlement.accessEndsAt > now;
  return ACCESS_GRANTING.includes(entitlement.status);
}

/** The buyer's purchases (membership access is listed with the memberships). */
export function listLibrary(userId: string) {
  return db()
    .entitlement.findMany({
      where: { userId, orderId: { not: null } },
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
    })
    .then((rows) => rows.flatMap((row) => (row.order ? [{ ...row, order: row.order }] : [])));
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
  if (!entitlement)
    throw new DomainError("not_found", "We couldn't find that download in your library.", { status: 404 });
  if (!grantsAccess(entitlement))
    throw new DomainError(
      "forbidden",
      entitlement.status === "GRACE"
        ? "This download is unavailable: your membership's grace period after a failed payment has ended."
        : `This download is unavailable: ${ACCESS_WORDS[entitlement.status].toLowerCase()}.`,
      { status: 403 },
    );
  const { deliverablePath, deliverableName, deliverableMimeType } = entitlement.product;
  if (!deliverablePath)
    throw new DomainError("not_found", "The creator hasn't uploaded this file yet.", { status: 404 });
  const file = resolveUpload(deliverablePath);
  if (!file || !fs.existsSync(file))
    throw new DomainError("not_found", "This file is missing. Please contact support.", { status: 404 });
  return {
    file,
    name: deliverableName ?? path.basename(file),
    mimeType: deliverableMimeType ?? "application/octet-stream",
    size: fs.statSync(file).size,
  };
}

/**
 * The one state machine for a purchase's access: ACTIVE → FROZEN (dispute open) → RESTORED (won) or REVOKED (lost,
 * or fully refunded); ACTIVE/RESTORED → REVOKED on a full refund. Any other move is ignored, so replays change
 * nothing. Membership access is not a state machine: it is rewritten from the subscription's current state.
 */
const TRANSITIONS: Record<EntitlementStatus, EntitlementStatus[]> = {
  ACTIVE: ["FROZEN", "REVOKED"],
  FROZEN: ["RESTORED", "REVOKED"],
  RESTORED: ["FROZEN", "REVOKED"],
  REVOKED: [],
  GRACE: [],
  PAUSED: [],
  ENDED: [],
};

export function canTransition(from: EntitlementStatus, to: EntitlementStatus) {
  return TRANSITIONS[from].includes(to);
}

/**
 * Gives back access a full refund took away, when that refund is undone (it failed after succeeding): entitlements
 * REVOKED by `order.fully_refunded` become ACTIVE again; access revoked by a lost dispute stays revoked. The one move
 * out of REVOKED, outside the state machine on purpose: only a refund that never happened can undo its revocation.
 */
export async function restoreRefundedAccess(tx: Tx, orderId: string, cause: string, actor: AuditActor) {
  const order = await tx.order.findUnique({ where: { id: orderId }, select: { membershipId: true } });
  if (order?.membershipId) return refreshMembershipAccess(tx, order.membershipId, actor);
  const revoked = await tx.entitlement.findMany({
    where: { orderId, status: "REVOKED", statusReason: "order.fully_refunded" },
  });
  for (const entitlement of revoked) {
    await tx.entitlement.update({ where: { id: entitlement.id }, data: { status: "ACTIVE", statusReason: cause } });
    await audit(tx, {
      actor,
      action: "entitlement.active",
      entityType: "entitlement",
      entityId: entitlement.id,
      orderId,
      data: { from: "REVOKED", to: "ACTIVE", cause },
    });
  }
}

/** Moves every entitlement of an order to `to` where the state machine allows it, auditing each move with its cause. */
export async function transitionOrderEntitlements(
  tx: Tx,
  input: { orderId: string; to: EntitlementStatus; cause: string; actor: AuditActor },
) {
  // A membership invoice grants nothing itself: the membership's access is re-derived (a dispute freezes it).
  const order = await tx.order.findUnique({ where: { id: input.orderId }, select: { membershipId: true } });
  if (order?.membershipId) {
    await refreshMembershipAccess(tx, order.membershipId, input.actor);
    return 0;
  }
  const entitlements = await tx.entitlement.findMany({ where: { orderId: input.orderId } });
  let moved = 0;
  for (const entitlement of entitlements) {
    if (!canTransition(entitlement.status, input.to)) continue;
    await tx.entitlement.update({
      where: { id: entitlement.id },
      data: { status: input.to, statusReason: input.cause },
    });
    await audit(tx, {
      actor: input.actor,
      action: `entitlement.${input.to.toLowerCase()}`,
      entityType: "entitlement",
      entityId: entitlement.id,
      orderId: input.orderId,
      data: { from: entitlement.status, to: input.to, cause: input.cause },
    });
    moved++;
  }
  return moved;
}
