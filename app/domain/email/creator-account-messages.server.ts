// Creator-account emails, queued inside the transaction of their cause (see outbox.server.ts): Stripe needs more
// details (once per new set of requirements: the caller compares with the set stored before, under a lock), a payout paid (optional topic "creator_payouts") or failed (essential).
import { createHash } from "node:crypto";
import type { Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { queueEmail } from "./outbox.server.ts";
import { detailsNeededNotice, payoutFailedNotice, payoutPaidNotice } from "./creator-account-emails.tsx";
import { renderNotice } from "./membership-emails.tsx";

async function creatorOf(tx: Tx, creatorId: string) {
  return tx.creatorAccount.findUniqueOrThrow({
    where: { id: creatorId },
    select: { id: true, displayName: true, user: { select: { id: true, email: true, name: true } } },
  });
}

/** Names one set of requirements, whatever order Stripe lists them in. */
export function requirementsKey(requirements: string[]) {
  return createHash("sha256")
    .update([...new Set(requirements)].sort().join("\n"))
    .digest("hex")
    .slice(0, 24);
}

export async function queueDetailsNeeded(
  tx: Tx,
  input: {
    creatorId: string;
    requirements: string[];
    pastDue: boolean;
    chargesEnabled: boolean;
    payoutsEnabled: boolean;
    /** When this set was seen: the same set asked for again after it was resolved is a new request. */
    observedAt: Date;
  },
) {
  const creator = await creatorOf(tx, input.creatorId);
  const notice = detailsNeededNotice({
    appUrl: env().APP_URL,
    creatorName: creator.user.name,
    requirements: input.requirements,
    pastDue: input.pastDue,
    chargesEnabled: input.chargesEnabled,
    payoutsEnabled: input.payoutsEnabled,
  });
  return queueEmail(tx, {
    key: `details-needed:${creator.id}:${requirementsKey(input.requirements)}:${input.observedAt.getTime()}`,
    kind: "creator_details_needed",
    to: creator.user.email,
    content: await renderNotice(notice),
    userId: creator.user.id,
  });
}

export interface PayoutInfo {
  id: string;
  amount: number;
  currency: string;
  arrivalDate: Date;
  failureMessage: string | null;
}

export async function queuePayoutPaid(tx: Tx, input: { creatorId: string; payout: PayoutInfo }) {
  // Out of order: its failure was already reported, so "paid" is no longer true.
  if (await tx.email.count({ where: { key: `payout-failed:${input.payout.id}` } })) return null;
  const creator = await creatorOf(tx, input.creatorId);
  const notice = payoutPaidNotice({ appUrl: env().APP_URL, creatorName: creator.user.name, ...input.payout });
  return queueEmail(tx, {
    key: `payout-paid:${input.payout.id}`,
    kind: "creator_payout_paid",
    to: creator.user.email,
    content: await renderNotice(notice),
    topic: "creator_payouts",
    userId: creator.user.id,
  });
}

export async function queuePayoutFailed(tx: Tx, input: { creatorId: string; payout: PayoutInfo }) {
  const creator = await creatorOf(tx, input.creatorId);
  const notice = payoutFailedNotice({ appUrl: env().APP_URL, creatorName: creator.user.name, ...input.payout });
  return queueEmail(tx, {
    key: `payout-failed:${input.payout.id}`,
    kind: "creator_payout_failed",
    to: creator.user.email,
    content: await renderNotice(notice),
    userId: creator.user.id,
  });
}
