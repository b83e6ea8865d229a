// Membership emails for buyers (welcome, renewal receipt, trial ending, payment failed or waiting for confirmation,
// canceled, ended) and for the creator (a new member). Each is a `Notice`: a heading, a few paragraphs, a table of
// facts (amounts formatted as the app formats money, dates in UTC), one button; the HTML and the plain-text part are
// both drawn from it, so they always say the same thing.
import { Link, Text } from "@react-email/components";
import { createElement } from "react";
import { formatMoney } from "#app/domain/money.ts";
import { renderEmail } from "./outbox.server.ts";
import { COLORS, EmailButton, EmailHeading, EmailLayout, paragraph } from "./layout.tsx";

export interface Notice {
  appUrl: string;
  subject: string;
  /** The line mail clients show beside the subject. */
  preview: string;
  heading: string;
  paragraphs: string[];
  /** Label → value, shown as a table. */
  facts?: [string, string][];
  button?: { href: string; label: string };
  /** Small print after the button. */
  notes?: string[];
  /** Why the reader gets this email. */
  footer: string;
}

const cell = { padding: "8px 0", borderBottom: `1px solid ${COLORS.line}`, fontSize: "14px", lineHeight: "20px" };

export function NoticeEmail(notice: Notice) {
  return (
    <EmailLayout preview={notice.preview} appUrl={notice.appUrl} footer={notice.footer}>
      <EmailHeading>{notice.heading}</EmailHeading>
      {notice.paragraphs.map((text, index) => (
        <Text key={index} style={paragraph}>
          {text}
        </Text>
      ))}
      {notice.facts?.length ? (
        <table width="100%" cellPadding={0} cellSpacing={0} role="presentation" style={{ margin: "0 0 20px" }}>
          <tbody>
            {notice.facts.map(([label, value], index) => (
              <tr key={index}>
                <td style={{ ...cell, color: COLORS.muted }}>{label}</td>
                <td style={{ ...cell, textAlign: "right", fontWeight: 600 }}>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {notice.button ? <EmailButton href={notice.button.href}>{notice.button.label}</EmailButton> : null}
      {notice.notes?.map((text, index) => (
        <Text key={index} style={{ ...paragraph, margin: "16px 0 0", fontSize: "13px", color: COLORS.muted }}>
          {text}
        </Text>
      ))}
      {notice.button ? (
        <Text style={{ ...paragraph, margin: "16px 0 0", fontSize: "12px", color: COLORS.muted }}>
          Or open{" "}
          <Link href={notice.button.href} style={{ color: COLORS.brand }}>
            {notice.button.href}
          </Link>
        </Text>
      ) : null}
    </EmailLayout>
  );
}

/** The plain-text part: the same notice, facts lined up for a fixed-width reader. */
export function noticeText(notice: Notice) {
  const width = 48;
  const line = (left: string, right: string) =>
    `${left}${" ".repeat(Math.max(2, width - left.length - right.length))}${right}`;
  return [
    notice.heading,
    "",
    ...notice.paragraphs.flatMap((text) => [text, ""]),
    ...(notice.facts?.length ? [...notice.facts.map(([label, value]) => line(label, value)), ""] : []),
    ...(notice.button ? [`${notice.button.label}: ${notice.button.href}`, ""] : []),
    ...(notice.notes ?? []).flatMap((text) => [text, ""]),
    "-- ",
    `Makers Market · ${notice.footer}`,
  ].join("\n");
}

export function renderNotice(notice: Notice) {
  return renderEmail(notice.subject, createElement(NoticeEmail, notice), noticeText(notice));
}

/** "June 4, 2026" (UTC: Stripe's dates are instants; the reader's zone is unknown). */
export function longDate(date: Date) {
  return date.toLocaleDateString("en-US", { dateStyle: "long", timeZone: "UTC" });
}

const everyWord = { MONTH: "month", YEAR: "year" } as const;

export interface MembershipFacts {
  appUrl: string;
  buyerName: string;
  productTitle: string;
  creatorName: string;
  amount: number;
  currency: string;
  interval: "MONTH" | "YEAR";
}

/** "$15.00 per month". */
export function planPrice(m: Pick<MembershipFacts, "amount" | "currency" | "interval">) {
  return `${formatMoney(m.amount, m.currency)} per ${everyWord[m.interval]}`;
}

const BUYER_FOOTER =
  "You get this email because you are a member on Makers Market. Emails about your membership's billing are always sent.";

const libraryButton = (appUrl: string) => ({ href: `${appUrl}/library`, label: "Go to your library" });

export function welcomeNotice(
  m: MembershipFacts & { status: "TRIALING" | "ACTIVE"; trialEndsAt: Date | null; renewsAt: Date | null },
): Notice {
  const trial = m.status === "TRIALING";
  const price = planPrice(m);
  return {
    appUrl: m.appUrl,
    subject: `Welcome to ${m.productTitle}`,
    preview: trial
      ? `Your free trial of ${m.productTitle} has started.`
      : `You're a member of ${m.productTitle} · ${price}.`,
    heading: `Welcome to ${m.productTitle}!`,
    paragraphs: [
      trial
        ? `Hi ${m.buyerName}, your free trial of ${m.productTitle} by ${m.creatorName} has started. Everything the membership includes is in your library now.`
        : `Hi ${m.buyerName}, you're now a member of ${m.productTitle} by ${m.creatorName}. Your first payment of ${formatMoney(m.amount, m.currency)} went through, and everything the membership includes is in your library.`,
    ],
    facts: [
      ["Membership", m.productTitle],
      ["Price", price],
      ...(trial && m.trialEndsAt ? ([["Free trial until", longDate(m.trialEndsAt)]] as [string, string][]) : []),
      ...(!trial && m.renewsAt ? ([["Renews on", longDate(m.renewsAt)]] as [string, string][]) : []),
      ["Currency", m.currency.toUpperCase()],
    ],
    button: libraryButton(m.appUrl),
    notes: [
      trial
        ? `When the trial ends you'll be charged ${price} unless you cancel before then. Manage or cancel it any time from your library.`
        : "Manage your card, switch plans or cancel any time from your library (Manage billing).",
    ],
    footer: BUYER_FOOTER,
  };
}

export function renewalReceiptNotice(
  m: MembershipFacts & {
    orderNumber: number;
    paid: number;
    paidAt: Date;
    periodStart: Date | null;
    periodEnd: Date | null;
    billingReason: string | null;
  },
): Notice {
  const paid = formatMoney(m.paid, m.currency);
  const period =
    m.periodStart && m.periodEnd
      ? `${longDate(m.periodStart)} – ${longDate(m.periodEnd)}`
      : m.periodEnd
        ? `until ${longDate(m.periodEnd)}`
        : null;
  const what = m.billingReason === "subscription_update" ? "your plan change" : "your membership's renewal";
  return {
    appUrl: m.appUrl,
    subject: `Your receipt for ${m.productTitle} · order #${m.orderNumber}`,
    preview: `${paid} paid for ${m.productTitle}${period ? ` · ${period}` : ""}.`,
    heading: "Thank you — your membership is paid",
    paragraphs: [`Hi ${m.buyerName}, your payment of ${paid} for ${what} of ${m.productTitle} went through.`],
    facts: [
      ["Order", `#${m.orderNumber}`],
      ["Membership", `${m.productTitle} by ${m.creatorName}`],
      ...(period ? ([["Period", period]] as [string, string][]) : []),
      ["Paid on", longDate(m.paidAt)],
      ["Plan", planPrice(m)],
      ["Total paid", `${paid} ${m.currency.toUpperCase()}`],
    ],
    button: { href: `${m.appUrl}/library/orders/${m.orderNumber}`, label: "View the receipt" },
    notes: [`Your membership and its invoices are in your library: ${m.appUrl}/library`],
    footer: "You get this email because you are a member on Makers Market. Receipts are always sent.",
  };
}

export function trialEndingNotice(m: MembershipFacts & { trialEndsAt: Date }): Notice {
  const price = planPrice(m);
  return {
    appUrl: m.appUrl,
    subject: `Your free trial of ${m.productTitle} ends on ${longDate(m.trialEndsAt)}`,
    preview: `Then it's ${price}. Nothing to do if you'd like to stay.`,
    heading: "Your free trial ends soon",
    paragraphs: [
      `Hi ${m.buyerName}, your free trial of ${m.productTitle} by ${m.creatorName} ends on ${longDate(m.trialEndsAt)}. Then your card will be charged ${price}.`,
      "If you'd like to stay, there is nothing to do. If not, cancel before the trial ends and you won't be charged.",
    ],
    facts: [
      ["Trial ends", longDate(m.trialEndsAt)],
      ["Then", price],
    ],
    button: { href: `${m.appUrl}/library#memberships-heading`, label: "Manage your membership" },
    footer: BUYER_FOOTER,
  };
}

export function paymentFailedNotice(m: MembershipFacts & { amountDue: number; accessEndsAt: Date | null }): Notice {
  const due = formatMoney(m.amountDue, m.currency);
  const updateUrl = `${m.appUrl}/library#memberships-heading`;
  return {
    appUrl: m.appUrl,
    subject: `Your payment for ${m.productTitle} didn't go through`,
    preview: `Update your card to keep your membership (${due}).`,
    heading: "Your payment didn't go through",
    paragraphs: [
      `Hi ${m.buyerName}, we couldn't charge your card ${due} for ${m.productTitle} by ${m.creatorName}.`,
      `Update your card in your library (Manage billing) and we'll retry the payment. We also retry automatically over the next days.${m.accessEndsAt ? ` You keep access until ${longDate(m.accessEndsAt)}.` : ""}`,
    ],
    facts: [
      ["Amount due", `${due} ${m.currency.toUpperCase()}`],
      ["Plan", planPrice(m)],
      ...(m.accessEndsAt ? ([["Access until", longDate(m.accessEndsAt)]] as [string, string][]) : []),
    ],
    button: { href: updateUrl, label: "Update your card" },
    footer: BUYER_FOOTER,
  };
}

export function paymentActionNotice(m: MembershipFacts & { amountDue: number; confirmUrl: string }): Notice {
  const due = formatMoney(m.amountDue, m.currency);
  return {
    appUrl: m.appUrl,
    subject: `Confirm your payment for ${m.productTitle}`,
    preview: `Your bank asks you to confirm ${due}.`,
    heading: "Your bank asks you to confirm this payment",
    paragraphs: [
      `Hi ${m.buyerName}, your bank wants you to confirm the payment of ${due} for ${m.productTitle} by ${m.creatorName} before it goes through.`,
      "Open the invoice and complete the confirmation; it takes a minute.",
    ],
    facts: [
      ["Amount", `${due} ${m.currency.toUpperCase()}`],
      ["Plan", planPrice(m)],
    ],
    button: { href: m.confirmUrl, label: "Confirm the payment" },
    footer: BUYER_FOOTER,
  };
}

export function canceledNotice(m: MembershipFacts & { endsAt: Date | null }): Notice {
  const until = m.endsAt ? longDate(m.endsAt) : null;
  return {
    appUrl: m.appUrl,
    subject: `Your membership of ${m.productTitle} is canceled`,
    preview: until ? `You keep access until ${until}.` : "You keep access until the end of this period.",
    heading: "Your membership is canceled",
    paragraphs: [
      `Hi ${m.buyerName}, your membership of ${m.productTitle} by ${m.creatorName} is canceled and won't renew. ${until ? `You keep access until ${until}; you won't be charged again.` : "You keep access until the end of this period; you won't be charged again."}`,
      "Changed your mind? You can renew it from your library before then.",
    ],
    facts: [...(until ? ([["Ends on", until]] as [string, string][]) : []), ["Plan", planPrice(m)]],
    button: { href: `${m.appUrl}/library#memberships-heading`, label: "Manage your membership" },
    footer: BUYER_FOOTER,
  };
}

export function endedNotice(m: MembershipFacts & { unpaid: boolean }): Notice {
  return {
    appUrl: m.appUrl,
    subject: `Your membership of ${m.productTitle} has ended`,
    preview: m.unpaid ? "The payments didn't go through, so it ended." : "Thanks for being a member.",
    heading: "Your membership has ended",
    paragraphs: [
      m.unpaid
        ? `Hi ${m.buyerName}, we couldn't collect the payment for ${m.productTitle} by ${m.creatorName} after several tries, so your membership has ended and its downloads are no longer available.`
        : `Hi ${m.buyerName}, your membership of ${m.productTitle} by ${m.creatorName} has ended and its downloads are no longer available. Thank you for being a member.`,
      "You can join again any time from the membership's page.",
    ],
    button: libraryButton(m.appUrl),
    footer: BUYER_FOOTER,
  };
}

export function newMemberNotice(
  m: MembershipFacts & { creatorName: string; memberName: string; trial: boolean; creatorShare: number | null },
): Notice {
  const price = planPrice(m);
  return {
    appUrl: m.appUrl,
    subject: `New member: ${m.memberName} joined ${m.productTitle}`,
    preview: m.trial ? `${m.memberName} started a free trial.` : `${m.memberName} joined at ${price}.`,
    heading: "You have a new member!",
    paragraphs: [
      m.trial
        ? `${m.memberName} started a free trial of ${m.productTitle}. When it ends, they'll pay ${price}.`
        : `${m.memberName} joined ${m.productTitle} at ${price}.`,
    ],
    facts: [
      ["Membership", m.productTitle],
      ["Member", m.memberName],
      ["Plan", price],
      ...(m.creatorShare !== null
        ? ([["Your share of each payment", formatMoney(m.creatorShare, m.currency)]] as [string, string][])
        : []),
      ["Status", m.trial ? "Free trial" : "Active"],
    ],
    button: { href: `${m.appUrl}/creator/dashboard`, label: "Open your dashboard" },
    footer:
      "You get this email because you sell memberships on Makers Market. You can turn off new-member emails in your notification settings.",
  };
}
