// The marketplace's emails, each queued inside the transaction of its cause (see outbox.server.ts): its key, its
// recipient and its content, read from rows the transaction can see.
import { createElement } from "react";
import type { Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import { queueEmail, renderEmail } from "./outbox.server.ts";
import { PASSWORD_RESET_SUBJECT, PasswordResetEmail, passwordResetText } from "./password-reset.tsx";
import { ReceiptEmail, receiptSubject, receiptText, type ReceiptData } from "./receipt.tsx";

/** The receipt's outbox key: one receipt per order, however often fulfillment runs. */
export function receiptKey(orderId: string) {
  return `receipt:${orderId}`;
}

/** Queues the buyer's receipt for a just-paid order, inside the fulfillment transaction. */
export async function queueReceipt(tx: Tx, orderId: string) {
  const order = await tx.order.findUniqueOrThrow({
    where: { id: orderId },
    select: {
      id: true,
      number: true,
      buyerId: true,
      buyerEmail: true,
      currency: true,
      totalAmount: true,
      paidAt: true,
      buyer: { select: { name: true } },
      creator: { select: { displayName: true } },
      items: { select: { productTitle: true, amount: true }, orderBy: { id: "asc" } },
    },
  });
  const data: ReceiptData = {
    appUrl: env().APP_URL,
    buyerName: order.buyer.name,
    orderNumber: order.number,
    paidAt: order.paidAt,
    currency: order.currency,
    totalAmount: order.totalAmount,
    items: order.items.map((item) => ({
      title: item.productTitle,
      creator: order.creator.displayName,
      amount: item.amount,
    })),
  };
  const content = await renderEmail(
    receiptSubject({ orderNumber: order.number }),
    createElement(ReceiptEmail, data),
    receiptText(data),
  );
  return queueEmail(tx, {
    key: receiptKey(order.id),
    kind: "receipt",
    to: order.buyerEmail,
    content,
    userId: order.buyerId,
    orderId: order.id,
  });
}

/** Queues the email with a password-reset link, inside the transaction that stored the token's hash. */
export async function queuePasswordResetEmail(
  tx: Tx,
  input: { resetId: string; user: { id: string; email: string; name: string }; token: string },
) {
  const appUrl = env().APP_URL;
  const data = { appUrl, name: input.user.name, resetUrl: `${appUrl}/reset-password/${input.token}` };
  const content = await renderEmail(
    PASSWORD_RESET_SUBJECT,
    createElement(PasswordResetEmail, data),
    passwordResetText(data),
  );
  return queueEmail(tx, {
    key: `password-reset:${input.resetId}`,
    kind: "password_reset",
    to: input.user.email,
    content,
    userId: input.user.id,
  });
}
