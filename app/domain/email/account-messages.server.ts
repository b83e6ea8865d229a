// The account emails, each queued inside the transaction that stored its token (see outbox.server.ts).
import { createElement } from "react";
import type { Tx } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";
import {
  EMAIL_CHANGE_NOTICE_SUBJECT,
  EMAIL_CHANGE_SUBJECT,
  EmailChangeEmail,
  emailChangeNoticeText,
  EmailChangeNoticeEmail,
  emailChangeText,
  VERIFY_EMAIL_SUBJECT,
  VerifyEmail,
  verifyEmailText,
} from "./account-emails.tsx";
import { queueEmail, renderEmail } from "./outbox.server.ts";

type Recipient = { id: string; email: string; name: string };

/** The link an emailed token opens (the page asks to confirm, so a link scanner following it changes nothing). */
export function emailTokenUrl(token: string) {
  return `${env().APP_URL}/verify-email/${token}`;
}

/** Queues the link that proves `user.email`, beside the token row `tokenId`. */
export async function queueVerificationEmail(
  tx: Tx,
  input: { tokenId: string; user: Recipient; token: string; validFor: string },
) {
  const data = {
    appUrl: env().APP_URL,
    name: input.user.name,
    email: input.user.email,
    verifyUrl: emailTokenUrl(input.token),
    validFor: input.validFor,
  };
  const content = await renderEmail(VERIFY_EMAIL_SUBJECT, createElement(VerifyEmail, data), verifyEmailText(data));
  return queueEmail(tx, {
    key: `email-verification:${input.tokenId}`,
    kind: "email_verification",
    to: input.user.email,
    content,
    userId: input.user.id,
  });
}

/** Queues the confirmation link to the new address and the notice to the old one, beside the token row `tokenId`. */
export async function queueEmailChangeEmails(
  tx: Tx,
  input: { tokenId: string; user: Recipient; newEmail: string; token: string; validFor: string },
) {
  const appUrl = env().APP_URL;
  const change = {
    appUrl,
    name: input.user.name,
    oldEmail: input.user.email,
    newEmail: input.newEmail,
    confirmUrl: emailTokenUrl(input.token),
    validFor: input.validFor,
  };
  await queueEmail(tx, {
    key: `email-change:${input.tokenId}`,
    kind: "email_change",
    to: input.newEmail,
    content: await renderEmail(EMAIL_CHANGE_SUBJECT, createElement(EmailChangeEmail, change), emailChangeText(change)),
    userId: input.user.id,
  });
  const notice = {
    appUrl,
    name: input.user.name,
    oldEmail: input.user.email,
    newEmail: input.newEmail,
    resetUrl: `${appUrl}/forgot-password`,
  };
  await queueEmail(tx, {
    key: `email-change-notice:${input.tokenId}`,
    kind: "email_change_notice",
    to: input.user.email,
    content: await renderEmail(
      EMAIL_CHANGE_NOTICE_SUBJECT,
      createElement(EmailChangeNoticeEmail, notice),
      emailChangeNoticeText(notice),
    ),
    userId: input.user.id,
  });
}
