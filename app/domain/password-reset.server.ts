// "Forgot password?": a request emails a link with a random token (32 bytes); only its SHA-256 is stored. The link
// works once, for an hour. Setting the new password spends every open link of the account and ends all its sessions
// (whoever knew the old password is signed out everywhere). The request answers the same whether or not the email
// has an account, and is rate-limited per address and per email before anything is looked up.
import crypto from "node:crypto";
import { db, transaction } from "#app/utils/db.server.ts";
import { consume, type RateLimit } from "#app/utils/rate-limit.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { queuePasswordResetEmail } from "./email/messages.server.ts";
import { DomainError } from "./errors.ts";
import { hashPassword, limitAddress, waitText } from "./users.server.ts";

/** How long a reset link works. */
export const RESET_LINK_TTL_MS = 60 * 60 * 1000;

/** Requests per client address and per email address: enough for a typo or a lost email, not for a mail bomb. */
export const RESET_LIMITS = {
  perAddress: { name: "reset:ip", points: 10, durationSeconds: 60 * 60 },
  perEmail: { name: "reset:email", points: 3, durationSeconds: 60 * 60 },
} satisfies Record<string, RateLimit>;

/** A token as the link carries it: 32 random bytes in base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hashResetToken(token: string) {
  return crypto.createHash("sha256").update(token).digest("hex");
}

function tooMany(seconds: number) {
  return new DomainError(
    "rate_limited",
    `Too many reset requests. Try again in ${waitText(seconds)}, or check your spam folder for the last email.`,
    { status: 429 },
  );
}

/**
 * Emails a reset link to `email` if it has an account; does nothing otherwise. Either way it returns the same, so the
 * answer never tells whether an account exists. Throws `rate_limited` past the limits (counted for every email).
 */
export async function requestPasswordReset(input: { email: string; ip: string }) {
  const email = input.email.trim().toLowerCase();
  const byAddress = await consume(RESET_LIMITS.perAddress, limitAddress(input.ip));
  if (!byAddress.ok) throw tooMany(byAddress.retryAfterSeconds);
  const byEmail = await consume(RESET_LIMITS.perEmail, email);
  if (!byEmail.ok) throw tooMany(byEmail.retryAfterSeconds);

  const user = await db().user.findUnique({ where: { email }, select: { id: true, email: true, name: true } });
  if (!user) return;
  const token = crypto.randomBytes(32).toString("base64url");
  await transaction(async (tx) => {
    const reset = await tx.passwordReset.create({
      data: { userId: user.id, tokenHash: hashResetToken(token), expiresAt: new Date(Date.now() + RESET_LINK_TTL_MS) },
    });
    await queuePasswordResetEmail(tx, { resetId: reset.id, user, token });
  });
}

function linkExpired() {
  return new DomainError(
    "link_expired",
    "This reset link has expired or was already used. Ask for a new one below; it works for an hour.",
    { status: 410 },
  );
}

/** Whether `token` opens a reset form now: known, unused and within its hour. */
export async function resetLinkIsValid(token: string) {
  if (!TOKEN_PATTERN.test(token)) return false;
  const reset = await db().passwordReset.findUnique({
    where: { tokenHash: hashResetToken(token) },
    select: { usedAt: true, expiresAt: true },
  });
  return Boolean(reset && !reset.usedAt && reset.expiresAt > new Date());
}

/**
 * Sets the account's new password from a reset link: the link and every other open one of the account are spent, and
 * all the account's sessions end. Throws `link_expired` (410) for a link that is unknown, used or too old.
 */
export async function resetPassword(input: { token: string; password: string; actor: AuditActor }) {
  if (!TOKEN_PATTERN.test(input.token)) throw linkExpired();
  const tokenHash = hashResetToken(input.token);
  // The expensive hash first, outside the transaction (and only for a link that exists).
  if (!(await resetLinkIsValid(input.token))) throw linkExpired();
  const passwordHash = await hashPassword(input.password);
  return transaction(async (tx) => {
    const [reset] = await tx.$queryRaw<{ id: string; userId: string; usedAt: Date | null; expiresAt: Date }[]>`
      SELECT id, "userId", "usedAt", "expiresAt" FROM "password_resets" WHERE "tokenHash" = ${tokenHash} FOR UPDATE`;
    const now = new Date();
    if (!reset || reset.usedAt || reset.expiresAt <= now) throw linkExpired();
    const user = await tx.user.update({
      where: { id: reset.userId },
      data: { passwordHash },
      select: { id: true, email: true, role: true },
    });
    await tx.passwordReset.updateMany({ where: { userId: user.id, usedAt: null }, data: { usedAt: now } });
    const sessions = await tx.session.deleteMany({ where: { userId: user.id } });
    await audit(tx, {
      actor: { ...input.actor, type: "USER", id: user.id },
      action: "user.password_reset",
      entityType: "user",
      entityId: user.id,
      data: { sessionsEnded: sessions.count },
    });
    return { userId: user.id, email: user.email, sessionsEnded: sessions.count };
  });
}
