// An account's email address: proving it (the link emailed at sign-up, sent again on request) and moving the account
// to a new one (a link to the new address, which makes the change when followed; a notice to the old one).
//
// Links carry a random token (32 bytes); only its SHA-256 is stored, each works once and expires. A proven address is
// what lets a creator publish; an unproven account can browse and buy. Changing the email keeps every session.
import crypto from "node:crypto";
import type { EmailTokenPurpose } from "#app/generated/prisma/client.ts";
import { db, isUniqueViolation, transaction, type Tx } from "#app/utils/db.server.ts";
import { consume, type RateLimit } from "#app/utils/rate-limit.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import { queueEmailChangeEmails, queueVerificationEmail } from "./email/account-messages.server.ts";
import { DomainError } from "./errors.ts";
import { checkPassword, limitAddress, waitText } from "./users.server.ts";

/** How long a link works: a day to prove the address of a new account, an hour to move an account elsewhere. */
export const EMAIL_LINK_TTL = {
  VERIFY: { ms: 24 * 60 * 60 * 1000, text: "24 hours" },
  CHANGE: { ms: 60 * 60 * 1000, text: "1 hour" },
} as const satisfies Record<EmailTokenPurpose, { ms: number; text: string }>;

/** Verification emails sent again on request, and email changes asked for: per account and per client address. */
export const ACCOUNT_EMAIL_LIMITS = {
  resendPerUser: { name: "verify-resend:user", points: 3, durationSeconds: 60 * 60 },
  changePerUser: { name: "email-change:user", points: 5, durationSeconds: 60 * 60 },
  perAddress: { name: "account-email:ip", points: 20, durationSeconds: 60 * 60 },
} satisfies Record<string, RateLimit>;

export const UNVERIFIED_CANNOT_PUBLISH =
  "Confirm your email address before publishing: follow the link we emailed you, or send a new one.";

/** A token as the link carries it: 32 random bytes in base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function hashToken(token: string) {
  return crypto.createHash("sha256").update(token).digest("hex");
}

function linkExpired() {
  return new DomainError(
    "link_expired",
    "This link has expired or was already used. Ask for a new one from your account settings.",
    { status: 410 },
  );
}

function tooMany(what: string, seconds: number) {
  return new DomainError("rate_limited", `Too many ${what}. Try again in ${waitText(seconds)}.`, { status: 429 });
}

async function createToken(
  tx: Tx,
  input: { userId: string; purpose: EmailTokenPurpose; email: string },
): Promise<{ id: string; token: string }> {
  const token = crypto.randomBytes(32).toString("base64url");
  const row = await tx.emailToken.create({
    data: {
      userId: input.userId,
      purpose: input.purpose,
      email: input.email,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + EMAIL_LINK_TTL[input.purpose].ms),
    },
    select: { id: true },
  });
  return { id: row.id, token };
}

/** Inside sign-up's transaction: a token for the new account's address, and the email with its link. */
export async function startEmailVerification(tx: Tx, user: { id: string; email: string; name: string }) {
  const { id, token } = await createToken(tx, { userId: user.id, purpose: "VERIFY", email: user.email });
  await queueVerificationEmail(tx, { tokenId: id, user, token, validFor: EMAIL_LINK_TTL.VERIFY.text });
}

/**
 * "Send the link again": a new verification email (earlier links keep working until they expire). Refused past the
 * limits, and with nothing sent when the address is already proven.
 */
export async function resendVerificationEmail(input: { userId: string; ip: string }) {
  const user = await db().user.findUniqueOrThrow({
    where: { id: input.userId },
    select: { id: true, email: true, name: true, emailVerifiedAt: true },
  });
  if (user.emailVerifiedAt) return { sent: false as const, email: user.email };
  const byAddress = await consume(ACCOUNT_EMAIL_LIMITS.perAddress, limitAddress(input.ip));
  if (!byAddress.ok) throw tooMany("emails asked for from your network", byAddress.retryAfterSeconds);
  const byUser = await consume(ACCOUNT_EMAIL_LIMITS.resendPerUser, user.id);
  if (!byUser.ok)
    throw tooMany("verification emails. Check your spam folder for the last one, or try", byUser.retryAfterSeconds);
  await transaction((tx) => startEmailVerification(tx, user));
  return { sent: true as const, email: user.email };
}

/**
 * Asks to move the account to `newEmail` (the current password proves it is the owner): a link to the new address, a
 * notice to the current one. An earlier unconfirmed change is dropped. Nothing changes until the link is followed.
 */
export async function requestEmailChange(input: {
  userId: string;
  newEmail: string;
  password: string;
  ip: string;
  actor: AuditActor;
}) {
  const newEmail = input.newEmail.trim().toLowerCase();
  const user = await db().user.findUniqueOrThrow({
    where: { id: input.userId },
    select: { id: true, email: true, name: true, passwordHash: true },
  });
  if (newEmail === user.email)
    throw new DomainError("invalid_input", "That is already your email address.", { status: 400, field: "newEmail" });
  const byAddress = await consume(ACCOUNT_EMAIL_LIMITS.perAddress, limitAddress(input.ip));
  if (!byAddress.ok) throw tooMany("emails asked for from your network", byAddress.retryAfterSeconds);
  const byUser = await consume(ACCOUNT_EMAIL_LIMITS.changePerUser, user.id);
  if (!byUser.ok) throw tooMany("email changes", byUser.retryAfterSeconds);
  if (!(await checkPassword(input.password, user.passwordHash)).ok)
    throw new DomainError("bad_credentials", "That is not your current password.", {
      status: 400,
      field: "password",
    });
  if (await db().user.findUnique({ where: { email: newEmail }, select: { id: true } }))
    throw new DomainError("email_taken", "Another account already uses this email.", { field: "newEmail" });
  await transaction(async (tx) => {
    await tx.emailToken.updateMany({
      where: { userId: user.id, purpose: "CHANGE", usedAt: null },
      data: { usedAt: new Date() },
    });
    const { id, token } = await createToken(tx, { userId: user.id, purpose: "CHANGE", email: newEmail });
    await queueEmailChangeEmails(tx, {
      tokenId: id,
      user,
      newEmail,
      token,
      validFor: EMAIL_LINK_TTL.CHANGE.text,
    });
    await audit(tx, {
      actor: { ...input.actor, type: "USER", id: user.id },
      action: "user.email_change_requested",
      entityType: "user",
      entityId: user.id,
      data: { from: user.email, to: newEmail },
    });
  });
  return { newEmail };
}

/** What an emailed link would do now, for the page that asks to confirm it; null when it no longer works. */
export async function describeEmailLink(token: string) {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db().emailToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { purpose: true, email: true, usedAt: true, expiresAt: true, user: { select: { email: true } } },
  });
  if (!row || row.usedAt || row.expiresAt <= new Date()) return null;
  // A verification link is for the address the account had when it was sent.
  if (row.purpose === "VERIFY" && row.email !== row.user.email) return null;
  return { purpose: row.purpose, email: row.email, currentEmail: row.user.email };
}

/**
 * Follows an emailed link: a verification link marks the address proven; a change link makes its address the
 * account's email (proven too). The link and the account's other open links of the same kind are spent; sessions stay.
 * Throws `link_expired` (410) for a link that is unknown, used, expired or stale, `email_taken` if another account took
 * the new address meanwhile.
 */
export async function followEmailLink(input: { token: string; actor: AuditActor }) {
  if (!TOKEN_PATTERN.test(input.token)) throw linkExpired();
  const tokenHash = hashToken(input.token);
  try {
    return await transaction(async (tx) => {
      const [row] = await tx.$queryRaw<
        {
          id: string;
          userId: string;
          purpose: EmailTokenPurpose;
          email: string;
          usedAt: Date | null;
          expiresAt: Date;
        }[]
      >`SELECT id, "userId", purpose::text AS purpose, email, "usedAt", "expiresAt"
        FROM "email_tokens" WHERE "tokenHash" = ${tokenHash} FOR UPDATE`;
      const now = new Date();
      if (!row || row.usedAt || row.expiresAt <= now) throw linkExpired();
      const [user] = await tx.$queryRaw<{ id: string; email: string; emailVerifiedAt: Date | null }[]>`
        SELECT id, email, "emailVerifiedAt" FROM "users" WHERE id = ${row.userId} FOR UPDATE`;
      if (!user) throw linkExpired();
      const actor = { ...input.actor, type: "USER" as const, id: user.id };
      if (row.purpose === "VERIFY") {
        if (row.email !== user.email) throw linkExpired();
        await tx.emailToken.updateMany({
          where: { userId: user.id, purpose: "VERIFY", usedAt: null },
          data: { usedAt: now },
        });
        if (!user.emailVerifiedAt) {
          await tx.user.update({ where: { id: user.id }, data: { emailVerifiedAt: now } });
          await audit(tx, {
            actor,
            action: "user.email_verified",
            entityType: "user",
            entityId: user.id,
            data: { email: user.email },
          });
        }
        return { purpose: "VERIFY" as const, email: user.email, userId: user.id };
      }
      // CHANGE: the new address is proven by this link; verification links for the old one are spent with it.
      await tx.user.update({ where: { id: user.id }, data: { email: row.email, emailVerifiedAt: now } });
      await tx.emailToken.updateMany({ where: { userId: user.id, usedAt: null }, data: { usedAt: now } });
      await audit(tx, {
        actor,
        action: "user.email_changed",
        entityType: "user",
        entityId: user.id,
        data: { from: user.email, to: row.email },
      });
      return { purpose: "CHANGE" as const, email: row.email, userId: user.id };
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new DomainError("email_taken", "Another account started using this email meanwhile; the change is off.");
    throw error;
  }
}

/** Whether the account's address is proven (publishing needs it). */
export async function emailVerified(tx: Tx, userId: string) {
  const user = await tx.user.findUnique({ where: { id: userId }, select: { emailVerifiedAt: true } });
  return Boolean(user?.emailVerifiedAt);
}

/** The account's address, whether it is proven, and the new address an unconfirmed change waits on (if any). */
export async function getEmailStatus(userId: string) {
  const user = await db().user.findUniqueOrThrow({
    where: { id: userId },
    select: {
      email: true,
      emailVerifiedAt: true,
      emailTokens: {
        where: { purpose: "CHANGE", usedAt: null, expiresAt: { gt: new Date() } },
        orderBy: { createdAt: "desc" },
        take: 1,
        select: { email: true },
      },
    },
  });
  return {
    email: user.email,
    verified: Boolean(user.emailVerifiedAt),
    pendingEmail: user.emailTokens[0]?.email ?? null,
  };
}
