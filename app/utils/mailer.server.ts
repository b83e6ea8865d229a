// The SMTP transport: nodemailer over SMTP_URL (any provider: smtp://user:password@host:587, smtps://… on 465). The
// outbox (app/domain/email/) decides what to send and when; this module only hands one message to the server.
import nodemailer, { type Transporter } from "nodemailer";
import { env } from "./env.server.ts";

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** `<…@…>`: the same message sent twice carries the same id, so a resend is recognisable. */
  messageId: string;
  headers?: Record<string, string>;
}

export class MailNotConfiguredError extends Error {}

const globalForMail = globalThis as unknown as { mailTransport?: Transporter; mailTransportUrl?: string };

function transport(): Transporter {
  const url = env().SMTP_URL;
  if (!url) throw new MailNotConfiguredError("SMTP_URL is not set: there is no mail server to send to");
  if (!globalForMail.mailTransport || globalForMail.mailTransportUrl !== url) {
    globalForMail.mailTransport?.close();
    globalForMail.mailTransport = nodemailer.createTransport({
      url,
      // A server that is down or silent fails the attempt quickly; the queue retries it later.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    globalForMail.mailTransportUrl = url;
  }
  return globalForMail.mailTransport;
}

/** Sends one message; resolves once the SMTP server accepted it, throws when it did not. */
export async function sendMail(mail: OutgoingMail) {
  const info = await transport().sendMail({
    from: env().MAIL_FROM,
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId: mail.messageId,
    headers: mail.headers,
  });
  const rejected = info.rejected ?? [];
  if (rejected.length) throw new Error(`The mail server refused ${rejected.join(", ")}: ${info.response}`);
  return { response: info.response };
}

/** The host part of Message-IDs: the public URL's host, so ids never collide with another deployment's. */
export function messageIdDomain() {
  return new URL(env().APP_URL).hostname || "localhost";
}
