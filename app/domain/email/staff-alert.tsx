// The email staff (STAFF_ALERTS_TO) get for an alert that needs a person: what happened, in the alert's own words, and
// the page of the console where they act on it.
import { MoneyNotice, noticeText, type NoticeData } from "./money-notice.tsx";

export interface StaffAlertEmailData {
  appUrl: string;
  /** What kind of trouble, in a few words: "Dispute opened", "Refund failed". */
  title: string;
  message: string;
  link: { href: string; label: string };
}

export function staffAlertSubject(data: Pick<StaffAlertEmailData, "title" | "message">) {
  const first = data.message.split(/(?<=\.)\s/)[0]!;
  const short = first.length > 110 ? `${first.slice(0, 107)}…` : first;
  return `[Staff alert] ${data.title}: ${short}`;
}

function notice(data: StaffAlertEmailData): NoticeData {
  return {
    appUrl: data.appUrl,
    preview: data.message.slice(0, 140),
    heading: data.title,
    paragraphs: [data.message],
    button: data.link,
    notes: [`Every open alert is on the staff console: ${data.appUrl}/staff`],
    footer: "You get this email because your address is in STAFF_ALERTS_TO for this Makers Market deployment.",
  };
}

export function staffAlertText(data: StaffAlertEmailData) {
  return noticeText(notice(data));
}

export function StaffAlertEmail(data: StaffAlertEmailData) {
  return MoneyNotice(notice(data));
}
