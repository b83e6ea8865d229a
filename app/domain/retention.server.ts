// What the app keeps only for a while, deleted by `npm start` at start and every hour after.
import { db } from "#app/utils/db.server.ts";

/** Login attempts and rejected webhook bodies are kept this long for staff; expired sessions and counters go at once. */
export const HISTORY_DAYS = 30;

/**
 * Deletes expired sessions, expired rate-limit counters, and login attempts, rejected webhook bodies, password-reset
 * links and the development inbox's messages past the history window (Stripe retries a rejected event for three
 * days, each retry a row).
 */
export async function purgeExpiredRecords(now = new Date()) {
  const historyStart = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
  const [sessions, attempts, limits, webhooks, resets, inbox] = await Promise.all([
    db().session.deleteMany({ where: { expiresAt: { lt: now } } }),
    db().loginAttempt.deleteMany({ where: { createdAt: { lt: historyStart } } }),
    db().rateLimit.deleteMany({ where: { expire: { lt: BigInt(now.getTime()) } } }),
    db().rejectedWebhook.deleteMany({ where: { receivedAt: { lt: historyStart } } }),
    db().passwordReset.deleteMany({ where: { expiresAt: { lt: historyStart } } }),
    db().devInboxMessage.deleteMany({ where: { receivedAt: { lt: historyStart } } }),
  ]);
  return {
    sessions: sessions.count,
    attempts: attempts.count,
    limits: limits.count,
    webhooks: webhooks.count,
    resets: resets.count,
    inbox: inbox.count,
  };
}
