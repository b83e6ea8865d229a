// The append-only audit log. Every change to money or access writes a row in the same transaction.
import { clientIp } from "#app/utils/client-address.ts";
import type { Tx } from "#app/utils/db.server.ts";
import type { ActorType, Prisma } from "#app/generated/prisma/client.ts";

export interface AuditActor {
  type: ActorType;
  id?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { type: "SYSTEM" };
export const STRIPE_ACTOR: AuditActor = { type: "STRIPE" };

export function actorFromRequest(request: Request, userId?: string | null): AuditActor {
  return {
    type: userId ? "USER" : "SYSTEM",
    id: userId ?? null,
    ip: clientIp(request),
    userAgent: request.headers.get("user-agent")?.slice(0, 300) ?? null,
  };
}

export async function audit(
  tx: Tx,
  entry: {
    actor: AuditActor;
    action: string;
    entityType: string;
    entityId: string;
    orderId?: string | null;
    amount?: number | null;
    currency?: string | null;
    data?: Prisma.InputJsonValue;
  },
) {
  await tx.auditLog.create({
    data: {
      actorType: entry.actor.type,
      actorId: entry.actor.id ?? null,
      ip: entry.actor.ip ?? null,
      userAgent: entry.actor.userAgent ?? null,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      orderId: entry.orderId ?? null,
      amount: entry.amount ?? null,
      currency: entry.currency ?? null,
      data: entry.data,
    },
  });
}
