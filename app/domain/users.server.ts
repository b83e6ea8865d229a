// Accounts: sign up, password checks and the login rate limit.
import bcrypt from "bcryptjs";
import { db, isUniqueViolation, transaction } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import type { Role } from "#app/generated/prisma/client.ts";

const BCRYPT_COST = process.env.NODE_ENV === "test" ? 4 : 12;

export function hashPassword(password: string) {
  return bcrypt.hash(password, BCRYPT_COST);
}

export class EmailTakenError extends Error {
  constructor() {
    super("An account with this email already exists. Log in instead.");
  }
}

/** Self-registration creates buyers and creators only; staff accounts are made by `npm run staff:create`. */
export async function signUp(input: {
  email: string;
  name: string;
  password: string;
  role: Extract<Role, "BUYER" | "CREATOR">;
  actor: AuditActor;
}) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email.toLowerCase(), name: input.name, passwordHash, role: input.role },
      });
      if (user.role === "CREATOR")
        await tx.creatorAccount.create({
          data: { userId: user.id, displayName: input.name, slug: creatorSlug(input.name, user.id) },
        });
      await audit(tx, {
        actor: { ...input.actor, type: "USER", id: user.id },
        action: "user.signed_up",
        entityType: "user",
        entityId: user.id,
        data: { role: user.role },
      });
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTakenError();
    throw error;
  }
}

/** A readable, unique creator page slug: "Ada Lovelace" → "ada-lovelace-x7k2". */
export function creatorSlug(name: string, userId: string) {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${base || "creator"}-${userId.slice(-4)}`;
}

// A constant hash compared when the email is unknown, so response time does not reveal which emails exist.
const DUMMY_HASH = bcrypt.hashSync("not-a-real-password", BCRYPT_COST);

export async function verifyLogin(email: string, password: string) {
  const user = await db().user.findUnique({ where: { email: email.toLowerCase() } });
  const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
  return ok && user ? user : null;
}

export const LOGIN_LIMIT = { windowMs: 15 * 60 * 1000, perEmail: 5, perIp: 20 } as const;

/** Whether more login attempts are allowed for this email and address, counted from failed attempts in the window. */
export async function loginAllowed(email: string, ip: string, now = new Date()) {
  const since = new Date(now.getTime() - LOGIN_LIMIT.windowMs);
  const [byEmail, byIp] = await Promise.all([
    db().loginAttempt.count({ where: { email: email.toLowerCase(), succeeded: false, createdAt: { gt: since } } }),
    db().loginAttempt.count({ where: { ip, succeeded: false, createdAt: { gt: since } } }),
  ]);
  return byEmail < LOGIN_LIMIT.perEmail && byIp < LOGIN_LIMIT.perIp;
}

export async function recordLoginAttempt(email: string, ip: string, succeeded: boolean) {
  await db().loginAttempt.create({ data: { email: email.toLowerCase(), ip, succeeded } });
}
