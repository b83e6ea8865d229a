// The emails about money after the receipt: refunds (to the buyer, and to the creator when a refund takes money back
// from their balance), refund-request decisions, disputes (the buyer's access, the creator's sale and its outcome) and
// the creator's new-sale notice. Each is queued inside the transaction of its cause (see outbox.server.ts) with a key
// naming that cause, so a duplicated webhook or a retried job queues it once; content is read from rows the
// transaction can see, amounts in the order's currency through formatMoney.
import { createElement } from "react";
import type { Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { formatMoney } from "#app/domain/money.ts";
import { emailStaff } from "#app/domain/staff-alerts.server.ts";
import { MoneyNotice, noticeText, type NoticeData, type NoticeRow } from "./money-notice.tsx";
import { queueEmail, renderEmail, type QueuedEmail } from "./outbox.server.ts";

/** The request key of the automatic refund of a duplicate payment (one per order). */
export function duplicatePaymentRefundKey(orderId: string) {
  return `duplicate-payment-${orderId}`;
}

const BUYER_FOOTER =
  "You get this email because you bought something on Makers Market. Emails about your payments are always sent.";
const CREATOR_FOOTER =
  "You get this email because you sell on Makers Market. Emails about refunds and disputes on your sales are always sent.";

async function queueNotice(
  tx: Tx,
  subject: string,
  notice: NoticeData,
  email: Omit<QueuedEmail, "content" | "kind"> & { kind: string },
) {
  const content = await renderEmail(subject, createElement(MoneyNotice, notice), noticeText(notice));
  return queueEmail(tx, { ...email, content });
}

function orderUrl(orderNumber: number) {
  return `${env().APP_URL}/library/orders/${orderNumber}`;
}

const orderSelect = {
  id: true,
  number: true,
  buyerId: true,
  buyerEmail: true,
  currency: true,
  totalAmount: true,
  applicationFeeAmount: true,
  creatorAmount: true,
  buyer: { select: { name: true } },
  creator: { select: { displayName: true, userId: true, user: { select: { email: true, name: true } } } },
  items: { select: { productTitle: true, amount: true }, orderBy: { id: "asc" } },
} as const;

function titles(order: { items: { productTitle: string }[] }) {
  const names = order.items.map((item) => `"${item.productTitle}"`);
  return names.length <= 1 ? (names[0] ?? "your purchase") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** "January 9, 2027, 11:59 PM UTC": deadlines are read by people in every time zone. */
export function formatDeadline(date: Date) {
  return `${date.toLocaleString("en-US", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" })} UTC`;
}

// ── Refunds ──────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A refund succeeded (Stripe says so): the buyer hears how much came back, partial or full — or, for the automatic
 * refund of a duplicate payment, that their second payment was refunded — and the creator hears what left their
 * balance when the refund reversed part of their transfer. Inside the transaction that marks the refund SUCCEEDED.
 */
export async function queueRefundSucceededEmails(tx: Tx, refundId: string) {
  const refund = await tx.refund.findUniqueOrThrow({
    where: { id: refundId },
    include: { order: { select: orderSelect } },
  });
  const { order } = refund;
  const money = (amount: number) => formatMoney(amount, refund.currency);
  const succeeded = await tx.refund.aggregate({
    where: { orderId: order.id, status: "SUCCEEDED" },
    _sum: { amount: true },
  });
  const refundedInAll = succeeded._sum.amount ?? 0;
  const appUrl = env().APP_URL;

  if (refund.requestKey === duplicatePaymentRefundKey(order.id)) {
    const notice: NoticeData = {
      appUrl,
      preview: `You paid twice for ${titles(order)}. We refunded the second payment: ${money(refund.amount)}.`,
      heading: "We refunded your second payment",
      paragraphs: [
        `Hi ${order.buyer.name}, you already owned ${titles(order)} when you paid for it again (order #${order.number}). ` +
          `We refunded that second payment in full: ${money(refund.amount)} goes back to the card you paid with. ` +
          "Banks usually take 5 to 10 business days to show it.",
        "Nothing changes in your library: the purchase you made first is still there.",
      ],
      rows: [{ label: `Refunded, order #${order.number}`, value: money(refund.amount), strong: true }],
      button: { href: `${appUrl}/library`, label: "Go to your library" },
      footer: BUYER_FOOTER,
    };
    await queueNotice(tx, `We refunded your second payment for ${titles(order)}`, notice, {
      key: `refund-issued:${refund.id}`,
      kind: "duplicate_payment_refunded",
      to: order.buyerEmail,
      userId: order.buyerId,
      orderId: order.id,
    });
  } else {
    const full = refundedInAll >= order.totalAmount;
    const rows: NoticeRow[] = [
      { label: `Paid for order #${order.number}`, value: money(order.totalAmount) },
      ...(refundedInAll !== refund.amount ? [{ label: "Refunded in all so far", value: money(refundedInAll) }] : []),
      { label: "This refund", value: money(refund.amount), strong: true },
    ];
    const notice: NoticeData = {
      appUrl,
      preview: `${money(refund.amount)} is on its way back to your card (order #${order.number}).`,
      heading: full ? "Your refund is on its way" : "Your partial refund is on its way",
      paragraphs: [
        full
          ? `Hi ${order.buyer.name}, order #${order.number} is refunded in full: ${money(refund.amount)} goes back to ` +
            "the card you paid with."
          : `Hi ${order.buyer.name}, we refunded ${money(refund.amount)} of the ${money(order.totalAmount)} you paid ` +
            `for order #${order.number}, back to the card you paid with.`,
        "Banks usually take 5 to 10 business days to show a refund on your statement.",
        full
          ? `As the whole payment is refunded, ${titles(order)} is no longer in your library.`
          : `This is a partial refund: ${titles(order)} stays in your library.`,
      ],
      rows,
      button: { href: orderUrl(order.number), label: "See the order" },
      footer: BUYER_FOOTER,
    };
    await queueNotice(
      tx,
      full
        ? `Your refund of ${money(refund.amount)} for order #${order.number}`
        : `A partial refund of ${money(refund.amount)} for order #${order.number}`,
      notice,
      {
        key: `refund-issued:${refund.id}`,
        kind: "refund_issued",
        to: order.buyerEmail,
        userId: order.buyerId,
        orderId: order.id,
      },
    );
  }

  if (refund.transferReversalAmount > 0) {
    const net = refund.transferReversalAmount - refund.applicationFeeRefundAmount;
    const notice: NoticeData = {
      appUrl,
      preview: `${money(net)} was taken back from your balance for a refund on order #${order.number}.`,
      heading: "A refund was taken back from your balance",
      paragraphs: [
        `Hi ${order.creator.user.name}, the buyer of ${titles(order)} (order #${order.number}, ` +
          `${money(order.totalAmount)}) was refunded ${money(refund.amount)}. Part of the refund comes from your ` +
          `share: ${money(net)} was taken back from your Stripe balance.`,
        ...(refund.applicationFeeRefundAmount > 0
          ? [
              `The platform fee on the refunded part, ${money(refund.applicationFeeRefundAmount)}, was given back ` +
                "to you, so you lose only your share of it.",
            ]
          : []),
      ],
      rows: [
        { label: "Refunded to the buyer", value: money(refund.amount) },
        { label: "Taken back from your transfer", value: money(refund.transferReversalAmount) },
        ...(refund.applicationFeeRefundAmount > 0
          ? [{ label: "Platform fee returned to you", value: money(refund.applicationFeeRefundAmount) }]
          : []),
        { label: "Taken from your balance", value: money(net), strong: true },
      ],
      button: { href: `${appUrl}/creator/dashboard`, label: "Open your dashboard" },
      footer: CREATOR_FOOTER,
    };
    await queueNotice(tx, `${money(net)} taken back from your balance for a refund on order #${order.number}`, notice, {
      key: `refund-reversal:${refund.id}`,
      kind: "refund_reversal",
      to: order.creator.user.email,
      userId: order.creator.userId,
      orderId: order.id,
    });
  }
}

/**
 * Staff decided a buyer's refund request: approved (its refund is on its way; the refund's own email follows when it
 * succeeds) or declined with staff's message. Inside the transaction that records the decision.
 */
export async function queueRefundRequestDecision(tx: Tx, requestId: string) {
  const request = await tx.refundRequest.findUniqueOrThrow({
    where: { id: requestId },
    include: { order: { select: orderSelect }, refund: { select: { amount: true, currency: true } } },
  });
  if (request.status === "OPEN") return null;
  const { order } = request;
  const appUrl = env().APP_URL;
  const approved = request.status === "APPROVED";
  const quote = request.staffMessage?.trim()
    ? { by: "The Makers Market team", text: request.staffMessage.trim() }
    : undefined;
  const amount = request.refund ? formatMoney(request.refund.amount, request.refund.currency) : null;
  const notice: NoticeData = approved
    ? {
        appUrl,
        preview: `Your refund request for order #${order.number} was approved${amount ? `: ${amount}` : ""}.`,
        heading: "Your refund request was approved",
        paragraphs: [
          `Hi ${order.buyer.name}, we approved your request for a refund of order #${order.number} (${titles(order)}).` +
            (amount ? ` A refund of ${amount} is on its way to the card you paid with.` : ""),
          "We'll email you again as soon as the refund has gone through.",
        ],
        quote,
        rows: amount ? [{ label: `Refund, order #${order.number}`, value: amount, strong: true }] : undefined,
        button: { href: orderUrl(order.number), label: "See the order" },
        footer: BUYER_FOOTER,
      }
    : {
        appUrl,
        preview: `About your refund request for order #${order.number}: it was declined.`,
        heading: "Your refund request was declined",
        paragraphs: [
          `Hi ${order.buyer.name}, we looked at your request for a refund of order #${order.number} ` +
            `(${titles(order)}, ${formatMoney(order.totalAmount, order.currency)}) and can't refund it.` +
            (quote ? " Here is why:" : ""),
        ],
        quote,
        notes: ["Your purchase stays in your library."],
        button: { href: orderUrl(order.number), label: "See the order" },
        footer: BUYER_FOOTER,
      };
  return queueNotice(
    tx,
    approved
      ? `Your refund request for order #${order.number} was approved`
      : `Your refund request for order #${order.number} was declined`,
    notice,
    {
      key: `refund-request-${approved ? "approved" : "declined"}:${request.id}`,
      kind: approved ? "refund_request_approved" : "refund_request_declined",
      to: order.buyerEmail,
      userId: order.buyerId,
      orderId: order.id,
    },
  );
}

// ── Disputes ─────────────────────────────────────────────────────────────────────────────────────────────────────

async function disputeWithOrder(tx: Tx, disputeId: string) {
  return tx.dispute.findUniqueOrThrow({ where: { id: disputeId }, include: { order: { select: orderSelect } } });
}

const reasonWords = (reason: string) => reason.replace(/_/g, " ");

/**
 * A dispute opened on an order (recorded the first time we see it): the buyer learns their access is paused, the
 * creator that their sale is disputed and by when evidence is due, and staff (STAFF_ALERTS_TO) that it needs an
 * answer. Inside the transaction that records the dispute.
 */
export async function queueDisputeOpenedEmails(tx: Tx, disputeId: string) {
  const dispute = await disputeWithOrder(tx, disputeId);
  const { order } = dispute;
  const appUrl = env().APP_URL;
  const amount = formatMoney(dispute.amount, dispute.currency);
  const deadline = dispute.evidenceDueBy ? formatDeadline(dispute.evidenceDueBy) : null;

  const buyerNotice: NoticeData = {
    appUrl,
    preview: `A dispute was opened on order #${order.number}: its downloads are paused until it is settled.`,
    heading: "Your purchase is paused during a dispute",
    paragraphs: [
      `Hi ${order.buyer.name}, a dispute (a chargeback) of ${amount} was opened with your bank on order ` +
        `#${order.number}. While your bank and the card network decide it, ${titles(order)} can't be downloaded ` +
        "from your library.",
      "If the dispute is decided for the seller, your access comes back and we'll email you. If you didn't mean to " +
        "dispute this payment, you can withdraw the dispute with your bank.",
    ],
    rows: [{ label: `Disputed, order #${order.number}`, value: amount, strong: true }],
    button: { href: orderUrl(order.number), label: "See the order" },
    footer: BUYER_FOOTER,
  };
  await queueNotice(tx, `Your order #${order.number} is paused during a dispute`, buyerNotice, {
    key: `dispute-frozen:${dispute.id}`,
    kind: "dispute_access_frozen",
    to: order.buyerEmail,
    userId: order.buyerId,
    orderId: order.id,
  });

  const creatorNotice: NoticeData = {
    appUrl,
    preview: `A buyer disputed order #${order.number} (${amount}).${deadline ? ` Evidence is due by ${deadline}.` : ""}`,
    heading: "A buyer disputed one of your sales",
    paragraphs: [
      `Hi ${order.creator.user.name}, the buyer of ${titles(order)} (order #${order.number}) disputed the payment ` +
        `with their bank: ${amount}, reason "${reasonWords(dispute.reason)}". Their access is paused meanwhile.`,
      deadline
        ? `Evidence is due by ${deadline}. Send the Makers Market team what shows the sale was fair (proof of ` +
          "delivery or download, your messages with the buyer) well before then; the card network decides after it."
        : "Send the Makers Market team what shows the sale was fair (proof of delivery or download, your messages " +
          "with the buyer) as soon as you can.",
      "If the dispute is lost, the disputed amount may be taken back from your balance. We'll email you the outcome.",
    ],
    rows: [
      { label: `Disputed, order #${order.number}`, value: amount, strong: true },
      ...(deadline ? [{ label: "Evidence due by", value: deadline }] : []),
    ],
    button: { href: `${appUrl}/creator/dashboard`, label: "Open your dashboard" },
    footer: CREATOR_FOOTER,
  };
  await queueNotice(
    tx,
    `A buyer disputed order #${order.number}${deadline ? ` — evidence due by ${deadline}` : ""}`,
    creatorNotice,
    {
      key: `dispute-opened:${dispute.id}`,
      kind: "dispute_opened",
      to: order.creator.user.email,
      userId: order.creator.userId,
      orderId: order.id,
    },
  );

  await emailStaff(tx, {
    key: `staff-alert:dispute-opened:${dispute.id}`,
    title: "Dispute opened",
    message:
      `A ${amount} dispute (${reasonWords(dispute.reason)}) was opened on order #${order.number} ` +
      `(${order.creator.displayName}, ${titles(order)}).` +
      (deadline ? ` Evidence is due by ${deadline}.` : " Stripe gave no evidence deadline."),
    link: { href: `${appUrl}/staff/orders/${order.id}`, label: "Open the order" },
    orderId: order.id,
  });
}

/**
 * A dispute closed: the creator hears the outcome, and the buyer hears their access is back when it was won and no
 * other dispute on the order keeps it paused. Inside the transaction that records the outcome.
 */
export async function queueDisputeClosedEmails(tx: Tx, disputeId: string, options: { accessRestored: boolean }) {
  const dispute = await disputeWithOrder(tx, disputeId);
  if (dispute.outcome === "OPEN") return;
  const { order } = dispute;
  const appUrl = env().APP_URL;
  const amount = formatMoney(dispute.amount, dispute.currency);
  const won = dispute.outcome === "WON";

  const creatorNotice: NoticeData = {
    appUrl,
    preview: won
      ? `You won the dispute on order #${order.number}: the ${amount} payment stands.`
      : `The dispute on order #${order.number} was lost: ${amount} went back to the buyer.`,
    heading: won ? "You won the dispute" : "The dispute was lost",
    paragraphs: won
      ? [
          `Hi ${order.creator.user.name}, the card network decided the dispute on order #${order.number} ` +
            `(${titles(order)}) for you: the ${amount} payment stands and your share stays yours.`,
          options.accessRestored
            ? "The buyer's access to the purchase is restored."
            : "The buyer's access stays paused while another dispute on the order is open.",
        ]
      : [
          `Hi ${order.creator.user.name}, the card network decided the dispute on order #${order.number} ` +
            `(${titles(order)}) for the buyer: ${amount} went back to them and their access is revoked.`,
          "Makers Market may take the disputed amount back from your balance; it will show on your dashboard.",
        ],
    rows: [{ label: won ? "Dispute won" : "Dispute lost", value: amount, strong: true }],
    button: { href: `${appUrl}/creator/dashboard`, label: "Open your dashboard" },
    footer: CREATOR_FOOTER,
  };
  await queueNotice(
    tx,
    won ? `You won the dispute on order #${order.number}` : `The dispute on order #${order.number} was lost`,
    creatorNotice,
    {
      key: `dispute-closed:${dispute.id}`,
      kind: won ? "dispute_won" : "dispute_lost",
      to: order.creator.user.email,
      userId: order.creator.userId,
      orderId: order.id,
    },
  );

  if (won && options.accessRestored) {
    const buyerNotice: NoticeData = {
      appUrl,
      preview: `The dispute on order #${order.number} is closed: your purchase is back in your library.`,
      heading: "Your purchase is back",
      paragraphs: [
        `Hi ${order.buyer.name}, the dispute on order #${order.number} is closed and the payment stands, so ` +
          `${titles(order)} can be downloaded from your library again.`,
      ],
      button: { href: `${appUrl}/library`, label: "Go to your library" },
      footer: BUYER_FOOTER,
    };
    await queueNotice(tx, `Your order #${order.number} is back in your library`, buyerNotice, {
      key: `dispute-restored:${dispute.id}`,
      kind: "dispute_access_restored",
      to: order.buyerEmail,
      userId: order.buyerId,
      orderId: order.id,
    });
  }
}

// ── Sales ────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The creator's new-sale notice with their share (optional: topic creator_sales). Inside the fulfillment transaction. */
export async function queueNewSaleEmail(tx: Tx, orderId: string) {
  const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: orderSelect });
  const appUrl = env().APP_URL;
  const money = (amount: number) => formatMoney(amount, order.currency);
  const notice: NoticeData = {
    appUrl,
    preview: `${titles(order)} sold for ${money(order.totalAmount)}: ${money(order.creatorAmount)} is yours.`,
    heading: "You made a sale!",
    paragraphs: [
      `Hi ${order.creator.user.name}, someone just bought ${titles(order)} from ${order.creator.displayName} ` +
        `(order #${order.number}). Your share goes to your Stripe balance and is paid out on your usual schedule.`,
    ],
    rows: [
      ...order.items.map((item) => ({ label: item.productTitle, value: money(item.amount) })),
      { label: "Platform fee", value: `−${money(order.applicationFeeAmount)}` },
      { label: "Your share", value: money(order.creatorAmount), strong: true },
    ],
    button: { href: `${appUrl}/creator/dashboard`, label: "Open your dashboard" },
    footer: "You get this email because you sell on Makers Market and new-sale emails are on.",
  };
  return queueNotice(tx, `New sale: ${titles(order)} — ${money(order.creatorAmount)} for you`, notice, {
    key: `new-sale:${order.id}`,
    kind: "new_sale",
    to: order.creator.user.email,
    topic: "creator_sales",
    userId: order.creator.userId,
    // The key names the order; `orderId` stays the buyer's emails' (a paid order's outbox rows are its receipt).
  });
}
