// Reading the append-only audit log for staff: filtered pages and a CSV export with the same filters.
import { z } from "zod";
import { dayRangeFilter, daysInOrder, DAYS_OUT_OF_ORDER, emptyToUndefined, isoDay } from "./day-range.ts";
import type { AuditLog, Prisma } from "#app/generated/prisma/client.ts";
import { db } from "#app/utils/db.server.ts";
import { pageParam } from "#app/utils/paging.ts";
import { csvLine } from "#app/domain/csv.ts";

export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_CSV_MAX_ROWS = 100_000;
const CSV_BATCH = 1000;

const optionalText = (max: number) => z.preprocess(emptyToUndefined, z.string().trim().max(max).optional());

/** Query parameters of /staff/audit and /staff/audit.csv. */
export const auditSearchSchema = z
  .object({
    actor: optionalText(200),
    action: optionalText(200),
    entityType: optionalText(100),
    entityId: optionalText(200),
    from: isoDay,
    to: isoDay,
    page: pageParam,
  })
  .refine(daysInOrder, DAYS_OUT_OF_ORDER);
export type AuditSearchFilters = z.infer<typeof auditSearchSchema>;

/**
 * The WHERE for the filters. The actor filter is "stripe", "system", a staff (or any user's) email, or a raw user id;
 * an email nobody has matches nothing.
 */
export async function auditWhere(filters: Omit<AuditSearchFilters, "page">): Promise<Prisma.AuditLogWhereInput> {
  const and: Prisma.AuditLogWhereInput[] = [];
  if (filters.actor) {
    const actor = filters.actor.toLowerCase();
    if (actor === "stripe") and.push({ actorType: "STRIPE" });
    else if (actor === "system") and.push({ actorType: "SYSTEM" });
    else if (actor.includes("@")) {
      const user = await db().user.findUnique({ where: { email: actor }, select: { id: true } });
      and.push({ actorType: "USER", actorId: user ? user.id : { in: [] } });
    } else and.push({ actorId: filters.actor });
  }
  if (filters.action) and.push({ action: { startsWith: filters.action } });
  if (filters.entityType) and.push({ entityType: filters.entityType });
  if (filters.entityId) and.push({ entityId: filters.entityId });
  const days = dayRangeFilter(filters.from, filters.to);
  if (days) and.push({ createdAt: days });
  return and.length ? { AND: and } : {};
}

async function actorEmails(rows: Pick<AuditLog, "actorType" | "actorId">[]) {
  const ids = [...new Set(rows.filter((r) => r.actorType === "USER" && r.actorId).map((r) => r.actorId!))];
  if (!ids.length) return new Map<string, { name: string; email: string }>();
  const users = await db().user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, email: true } });
  return new Map(users.map((u) => [u.id, { name: u.name, email: u.email }]));
}

/** One page of audit rows, newest first, with the acting user's name and email. */
export async function searchAuditLog(filters: AuditSearchFilters) {
  const where = await auditWhere(filters);
  const [total, rows] = await Promise.all([
    db().auditLog.count({ where }),
    db().auditLog.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (filters.page - 1) * AUDIT_PAGE_SIZE,
      take: AUDIT_PAGE_SIZE,
    }),
  ]);
  const users = await actorEmails(rows);
  return {
    total,
    page: filters.page,
    pageCount: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
    rows: rows.map((row) => ({
      id: row.id.toString(),
      createdAt: row.createdAt.toISOString(),
      actorType: row.actorType,
      actorId: row.actorId,
      actor: row.actorId ? (users.get(row.actorId) ?? null) : null,
      action: row.action,
      entityType: row.entityType,
      entityId: row.entityId,
      orderId: row.orderId,
      amount: row.amount,
      currency: row.currency,
      ip: row.ip,
      userAgent: row.userAgent,
      data: row.data === null ? null : JSON.stringify(row.data),
    })),
  };
}

export const AUDIT_CSV_COLUMNS = [
  "time",
  "actor_type",
  "actor",
  "action",
  "entity_type",
  "entity_id",
  "order_id",
  "amount",
  "currency",
  "ip",
  "user_agent",
  "data",
] as const;

/** How many rows the export will hold, and whether the cap cut it short. */
export async function auditLogCsvSize(filters: Omit<AuditSearchFilters, "page">) {
  const total = await db().auditLog.count({ where: await auditWhere(filters) });
  return { total, rows: Math.min(total, AUDIT_CSV_MAX_ROWS), truncated: total > AUDIT_CSV_MAX_ROWS };
}

/**
 * The export as CSV text chunks: a header line, then the matching rows newest first, read in batches of 1,000 with a
 * keyset (createdAt, id) so memory stays flat. Stops at AUDIT_CSV_MAX_ROWS rows.
 */
export async function* auditLogCsvRows(
  filters: Omit<AuditSearchFilters, "page">,
  options: { maxRows?: number } = {},
): AsyncGenerator<string> {
  const maxRows = options.maxRows ?? AUDIT_CSV_MAX_ROWS;
  const where = await auditWhere(filters);
  yield csvLine([...AUDIT_CSV_COLUMNS]);
  let written = 0;
  let cursor: { createdAt: Date; id: bigint } | null = null;
  while (written < maxRows) {
    const page: AuditLog[] = await db().auditLog.findMany({
      where: cursor
        ? {
            AND: [
              where,
              {
                OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
              },
            ],
          }
        : where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: Math.min(CSV_BATCH, maxRows - written),
    });
    if (!page.length) break;
    const users = await actorEmails(page);
    let chunk = "";
    for (const row of page) {
      chunk += csvLine([
        row.createdAt.toISOString(),
        row.actorType,
        row.actorId ? (users.get(row.actorId)?.email ?? row.actorId) : "",
        row.action,
        row.entityType,
        row.entityId,
        row.orderId,
        row.amount,
        row.currency,
        row.ip,
        row.userAgent,
        row.data === null ? null : JSON.stringify(row.data),
      ]);
    }
    yield chunk;
    written += page.length;
    const last = page[page.length - 1]!;
    cursor = { createdAt: last.createdAt, id: last.id };
    if (page.length < CSV_BATCH) break;
  }
}
