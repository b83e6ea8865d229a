// Notification settings: the non-essential emails (outbox.server.ts OPTIONAL_EMAIL_TOPICS) a person may turn off, on
// their settings page or with the unsubscribe link every such email carries. Receipts, security and payment-problem
// emails name no topic and always go. A topic turned off is a row in `email_opt_outs`; queueEmail skips its emails.
import type { Role } from "#app/generated/prisma/client.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { audit, type AuditActor } from "./audit.server.ts";
import {
  isOptionalEmailTopic,
  OPTIONAL_EMAIL_TOPICS,
  readUnsubscribeToken,
  type OptionalEmailTopic,
} from "./email/outbox.server.ts";
import { DomainError } from "./errors.ts";

/** Every optional topic is about selling: creators have them all, buyers and staff none. */
export function topicsFor(role: Role): OptionalEmailTopic[] {
  return role === "CREATOR" ? (Object.keys(OPTIONAL_EMAIL_TOPICS) as OptionalEmailTopic[]) : [];
}

/** The topics that apply to the account, each with whether its emails go. */
export async function getNotificationSettings(userId: string) {
  const user = await db().user.findUniqueOrThrow({
    where: { id: userId },
    select: { role: true, emailOptOuts: { select: { topic: true } } },
  });
  const off = new Set(user.emailOptOuts.map((row) => row.topic));
  return topicsFor(user.role).map((topic) => ({
    topic,
    label: OPTIONAL_EMAIL_TOPICS[topic],
    enabled: !off.has(topic),
  }));
}

/** Saves the settings form: the account's topics in `enabled` go, the others are turned off. */
export async function updateNotificationSettings(input: { userId: string; enabled: string[]; actor: AuditActor }) {
  const unknown = input.enabled.filter((topic) => !isOptionalEmailTopic(topic));
  if (unknown.length)
    throw new DomainError("invalid_input", `There is no email setting called "${unknown[0]!.slice(0, 40)}".`, {
      status: 400,
    });
  await transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { role: true } });
    const topics = topicsFor(user.role);
    const on = topics.filter((topic) => input.enabled.includes(topic));
    const off = topics.filter((topic) => !on.includes(topic));
    await tx.emailOptOut.deleteMany({ where: { userId: input.userId, topic: { in: on } } });
    await tx.emailOptOut.createMany({
      data: off.map((topic) => ({ userId: input.userId, topic })),
      skipDuplicates: true,
    });
    await audit(tx, {
      actor: { ...input.actor, type: "USER", id: input.userId },
      action: "user.notifications_updated",
      entityType: "user",
      entityId: input.userId,
      data: { on, off },
    });
  });
}

function badLink() {
  return new DomainError(
    "invalid_input",
    "This unsubscribe link is not valid. Copy the whole link from the email, or turn emails off in your settings.",
    { status: 400 },
  );
}

/** What an unsubscribe link would turn off, for the page that asks to confirm. Throws a 400 for a bad link. */
export async function describeUnsubscribe(token: string) {
  const named = readUnsubscribeToken(token);
  if (!named) throw badLink();
  const user = await db().user.findUnique({
    where: { id: named.userId },
    select: { email: true, emailOptOuts: { where: { topic: named.topic }, select: { topic: true } } },
  });
  if (!user) throw badLink();
  return {
    topic: named.topic,
    label: OPTIONAL_EMAIL_TOPICS[named.topic],
    email: user.email,
    alreadyOff: user.emailOptOuts.length > 0,
  };
}

/** Follows an unsubscribe link (its page's button, or a mail client's one-click POST): the topic is off. */
export async function unsubscribe(input: { token: string; actor: AuditActor }) {
  const named = readUnsubscribeToken(input.token);
  if (!named) throw badLink();
  return transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: named.userId }, select: { id: true, email: true } });
    if (!user) throw badLink();
    const created = await tx.emailOptOut.createMany({
      data: [{ userId: user.id, topic: named.topic }],
      skipDuplicates: true,
    });
    if (created.count)
      await audit(tx, {
        actor: { ...input.actor, type: "USER", id: user.id },
        action: "user.unsubscribed",
        entityType: "user",
        entityId: user.id,
        data: { topic: named.topic },
      });
    return { topic: named.topic, label: OPTIONAL_EMAIL_TOPICS[named.topic], email: user.email };
  });
}
