// Membership emails, each queued inside the transaction of its cause (see outbox.server.ts) with a key naming that
// cause, so a duplicated or replayed webhook queues nothing twice. The buyer's are essential (billing); the creator's
// new-member email names its optional topic.
import type { Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { queueEmail } from "./outbox.server.ts";
import {
  canceledNotice,
  endedNotice,
  newMemberNotice,
  paymentActionNotice,
  paymentFailedNotice,
  renderNotice,
  renewalReceiptNotice,
  trialEndingNotice,
  welcomeNotice,
  type MembershipFacts,
} from "./membership-emails.tsx";

async function membershipFacts(tx: Tx, membershipId: string) {
  const m = await tx.membership.findUniqueOrThrow({
    where: { id: membershipId },
    include: {
      buyer: { select: { id: true, name: true, email: true } },
      product: { select: { title: true } },
      creator: { select: { displayName: true, user: { select: { id: true, email: true } } } },
      entitlement: { select: { accessEndsAt: true } },
    },
  });
  const facts: MembershipFacts = {
    appUrl: env().APP_URL,
    buyerName: m.buyer.name,
    productTitle: m.product.title,
    creatorName: m.creator.displayName,
    amount: m.amount,
    currency: m.currency,
    interval: m.interval,
  };
  return { m, facts };
}

/** Ended memberships are asked nothing more about payments (their ending has its own email). */
const ENDED = new Set(["CANCELED", "UNPAID", "INCOMPLETE_EXPIRED"]);

/** A new membership's start (trial or paid): the buyer's welcome and the creator's new-member email. */
export async function queueMembershipStarted(tx: Tx, membershipId: string) {
  const { m, facts } = await membershipFacts(tx, membershipId);
  if (m.status !== "TRIALING" && m.status !== "ACTIVE") return;
  const welcome = welcomeNotice({
    ...facts,
    status: m.status,
    trialEndsAt: m.trialEndsAt,
    renewsAt: m.currentPeriodEnd,
  });
  await queueEmail(tx, {
    key: `membership-welcome:${m.id}`,
    kind: "membership_welcome",
    to: m.buyer.email,
    content: await renderNotice(welcome),
    userId: m.buyer.id,
  });
  const feePercent = m.applicationFeePercent === null ? null : Number(m.applicationFeePercent);
  const creatorShare = feePercent === null ? null : m.amount - Math.round((m.amount * feePercent) / 100);
  const notice = newMemberNotice({
    ...facts,
    memberName: m.buyer.name,
    trial: m.status === "TRIALING",
    creatorShare,
  });
  await queueEmail(tx, {
    key: `new-member:${m.id}`,
    kind: "creator_new_member",
    to: m.creator.user.email,
    content: await renderNotice(notice),
    topic: "creator_members",
    userId: m.creator.user.id,
  });
}

/** The buyer's receipt for a paid invoice after the first (a renewal, a trial's first charge, a plan change). */
export async function queueMembershipReceipt(
  tx: Tx,
  input: { orderId: string; period: { start: Date; end: Date } | null },
) {
  const order = await tx.order.findUniqueOrThrow({
    where: { id: input.orderId },
    select: {
      id: true,
      number: true,
      membershipId: true,
      buyerEmail: true,
      buyerId: true,
      totalAmount: true,
      currency: true,
      paidAt: true,
      billingReason: true,
    },
  });
  if (!order.membershipId) return null;
  const { m, facts } = await membershipFacts(tx, order.membershipId);
  const notice = renewalReceiptNotice({
    ...facts,
    orderNumber: order.number,
    paid: order.totalAmount,
    currency: order.currency,
    paidAt: order.paidAt,
    periodStart: input.period?.start ?? null,
    periodEnd: input.period?.end ?? m.currentPeriodEnd,
    billingReason: order.billingReason,
  });
  return queueEmail(tx, {
    key: `membership-receipt:${order.id}`,
    kind: "membership_receipt",
    to: order.buyerEmail,
    content: await renderNotice(notice),
    userId: order.buyerId,
    orderId: order.id,
  });
}

/** Stripe says the trial ends soon (`customer.subscription.trial_will_end`): one email per trial end date. */
export async function queueTrialEnding(tx: Tx, membershipId: string) {
  const { m, facts } = await membershipFacts(tx, membershipId);
  if (m.status !== "TRIALING" || !m.trialEndsAt || m.cancelAtPeriodEnd) return null;
  return queueEmail(tx, {
    key: `trial-ending:${m.id}:${m.trialEndsAt.getTime()}`,
    kind: "membership_trial_ending",
    to: m.buyer.email,
    content: await renderNotice(trialEndingNotice({ ...facts, trialEndsAt: m.trialEndsAt })),
    userId: m.buyer.id,
  });
}

/** A renewal's card was declined: one email per invoice, with the way to update the card. */
export async function queuePaymentFailed(
  tx: Tx,
  input: { membershipId: string; invoiceId: string; amountDue: number; currency: string },
) {
  const { m, facts } = await membershipFacts(tx, input.membershipId);
  if (ENDED.has(m.status)) return null;
  const notice = paymentFailedNotice({
    ...facts,
    currency: input.currency,
    amountDue: input.amountDue,
    accessEndsAt: m.entitlement?.accessEndsAt ?? null,
  });
  return queueEmail(tx, {
    key: `payment-failed:${input.invoiceId}`,
    kind: "membership_payment_failed",
    to: m.buyer.email,
    content: await renderNotice(notice),
    userId: m.buyer.id,
  });
}

/** A renewal waits for the buyer's bank confirmation: one email per invoice, with Stripe's hosted invoice page. */
export async function queuePaymentActionRequired(
  tx: Tx,
  input: { membershipId: string; invoiceId: string; amountDue: number; currency: string; confirmUrl: string },
) {
  const { m, facts } = await membershipFacts(tx, input.membershipId);
  if (ENDED.has(m.status)) return null;
  const notice = paymentActionNotice({
    ...facts,
    currency: input.currency,
    amountDue: input.amountDue,
    confirmUrl: input.confirmUrl,
  });
  return queueEmail(tx, {
    key: `payment-action:${input.invoiceId}`,
    kind: "membership_payment_action",
    to: m.buyer.email,
    content: await renderNotice(notice),
    userId: m.buyer.id,
  });
}

/** The buyer canceled at period end: when it ends (once per end date: canceling again for the same date is one). */
export async function queueMembershipCanceled(tx: Tx, membershipId: string) {
  const { m, facts } = await membershipFacts(tx, membershipId);
  const endsAt = m.cancelAt ?? m.currentPeriodEnd;
  return queueEmail(tx, {
    key: `membership-canceling:${m.id}:${endsAt?.getTime() ?? "period-end"}`,
    kind: "membership_canceled",
    to: m.buyer.email,
    content: await renderNotice(canceledNotice({ ...facts, endsAt })),
    userId: m.buyer.id,
  });
}

/** The membership ended (canceled, or unpaid after every retry). */
export async function queueMembershipEnded(tx: Tx, membershipId: string, cause: { unpaid: boolean }) {
  const { m, facts } = await membershipFacts(tx, membershipId);
  return queueEmail(tx, {
    key: `membership-ended:${m.id}`,
    kind: "membership_ended",
    to: m.buyer.email,
    content: await renderNotice(endedNotice({ ...facts, unpaid: cause.unpaid })),
    userId: m.buyer.id,
  });
}
