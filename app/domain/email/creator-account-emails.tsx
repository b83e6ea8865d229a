// Emails about a creator's Stripe account: Stripe needs more details to keep (or start) charges and payouts, and a
// payout reached (or didn't reach) the creator's bank. Drawn as `Notice`s, like the membership emails.
import { formatMoney } from "#app/domain/money.ts";
import { longDate, type Notice } from "./membership-emails.tsx";

const ESSENTIAL_FOOTER =
  "You get this email because you sell on Makers Market. Emails about your Stripe account are always sent.";

/** "individual.verification.document" → "Identity document"; unknown ones in plain words from their last parts. */
export function requirementWords(requirement: string) {
  const known: [RegExp, string][] = [
    [/verification\.additional_document$/, "Proof of address"],
    [/verification\.document$/, "Identity document"],
    [/id_number$/, "ID number"],
    [/ssn_last_4$/, "Last 4 digits of the SSN"],
    [/^external_account$/, "Bank account for payouts"],
    [/^tos_acceptance\./, "Accept Stripe's terms of service"],
    [/^business_profile\.url$/, "Your website or social profile"],
    [/^business_profile\.mcc$/, "What you sell (business category)"],
    [/dob\.(day|month|year)$/, "Date of birth"],
    [/address\./, "Address"],
    [/phone$/, "Phone number"],
    [/email$/, "Email address"],
    [/first_name$|last_name$/, "Legal name"],
  ];
  for (const [pattern, words] of known) if (pattern.test(requirement)) return words;
  const tail = requirement.split(".").slice(-2).join(" ").replace(/_/g, " ");
  return tail.charAt(0).toUpperCase() + tail.slice(1);
}

export function detailsNeededNotice(c: {
  appUrl: string;
  creatorName: string;
  requirements: string[];
  pastDue: boolean;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
}): Notice {
  const items = [...new Set(c.requirements.map(requirementWords))];
  const stopped = [!c.chargesEnabled ? "sales" : null, !c.payoutsEnabled ? "payouts" : null].filter(Boolean);
  return {
    appUrl: c.appUrl,
    subject: c.pastDue ? "Action needed: Stripe needs more details now" : "Stripe needs a few more details from you",
    preview: `${items.length} ${items.length === 1 ? "detail" : "details"} to finish: ${items.join(", ")}.`,
    heading: "Stripe needs more details about you",
    paragraphs: [
      `Hi ${c.creatorName}, Stripe, who handles payments and payouts for Makers Market, asks for a few more details about you or your business.`,
      stopped.length
        ? `Until they are in, your ${stopped.join(" and ")} ${stopped.length > 1 ? "are" : "is"} on hold.`
        : c.pastDue
          ? "They are past due: Stripe may pause your sales and payouts until they are in."
          : "Please send them soon, so your sales and payouts keep working.",
    ],
    facts: items.map((item) => ["Needed", item] as [string, string]),
    button: { href: `${c.appUrl}/creator/onboarding`, label: "Finish with Stripe" },
    notes: ["It takes a few minutes on Stripe's secure page; you come back here when you're done."],
    footer: ESSENTIAL_FOOTER,
  };
}

export function payoutPaidNotice(p: {
  appUrl: string;
  creatorName: string;
  amount: number;
  currency: string;
  arrivalDate: Date;
}): Notice {
  const amount = formatMoney(p.amount, p.currency);
  return {
    appUrl: p.appUrl,
    subject: `Payout of ${amount} sent to your bank`,
    preview: `Expected in your account on ${longDate(p.arrivalDate)}.`,
    heading: `${amount} is on its way to your bank`,
    paragraphs: [
      `Hi ${p.creatorName}, Stripe paid out ${amount} from your Makers Market earnings. It should be in your bank account by ${longDate(p.arrivalDate)}.`,
    ],
    facts: [
      ["Amount", `${amount} ${p.currency.toUpperCase()}`],
      ["Expected arrival", longDate(p.arrivalDate)],
    ],
    button: { href: `${p.appUrl}/creator/stripe-dashboard`, label: "See your payouts" },
    footer:
      "You get this email because you sell on Makers Market. You can turn off payout emails in your notification settings.",
  };
}

export function payoutFailedNotice(p: {
  appUrl: string;
  creatorName: string;
  amount: number;
  currency: string;
  failureMessage: string | null;
}): Notice {
  const amount = formatMoney(p.amount, p.currency);
  return {
    appUrl: p.appUrl,
    subject: `Your payout of ${amount} failed`,
    preview: "Check your bank details so Stripe can pay you.",
    heading: "Your payout didn't reach your bank",
    paragraphs: [
      `Hi ${p.creatorName}, Stripe couldn't pay out ${amount} to your bank account. The money is back in your Stripe balance, and nothing is lost.`,
      "Check your bank details in your Stripe dashboard; Stripe pays the balance out again once they are right.",
    ],
    facts: [
      ["Amount", `${amount} ${p.currency.toUpperCase()}`],
      ...(p.failureMessage ? ([["Bank's reason", p.failureMessage]] as [string, string][]) : []),
    ],
    button: { href: `${p.appUrl}/creator/stripe-dashboard`, label: "Update your bank details" },
    footer: ESSENTIAL_FOOTER,
  };
}
