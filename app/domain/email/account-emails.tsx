// The account emails: the link that proves a new account's address, the link that moves an account to a new address,
// and the notice to the old address that a move was asked for. Security emails: always sent, no topic.
import { Link, Text } from "@react-email/components";
import { COLORS, EmailButton, EmailHeading, EmailLayout, paragraph } from "./layout.tsx";

const small = { ...paragraph, fontSize: "13px", color: COLORS.muted };

function PasteLink({ url }: { url: string }) {
  return (
    <Text style={{ ...small, margin: "20px 0 8px" }}>
      Or paste this link into your browser:{" "}
      <Link href={url} style={{ color: COLORS.brand, wordBreak: "break-all" }}>
        {url}
      </Link>
    </Text>
  );
}

function textFooter(lines: string[]) {
  return [...lines, "", "-- ", "Makers Market · Security emails are always sent."].join("\n");
}

// Verify the address of a new account.

export interface VerifyEmailData {
  appUrl: string;
  name: string;
  email: string;
  verifyUrl: string;
  /** "24 hours" */
  validFor: string;
}

export const VERIFY_EMAIL_SUBJECT = "Confirm your email for Makers Market";

export function verifyEmailText(data: VerifyEmailData) {
  return textFooter([
    "Confirm your email address",
    "",
    `Hi ${data.name}, welcome to Makers Market. Confirm that ${data.email} is your address with this link (it works once, for ${data.validFor}):`,
    "",
    data.verifyUrl,
    "",
    "You can browse and buy already; creators need a confirmed address to publish products.",
    "If you did not create this account, ignore this email.",
  ]);
}

export function VerifyEmail(data: VerifyEmailData) {
  return (
    <EmailLayout
      preview={`Confirm ${data.email} to finish setting up your account.`}
      appUrl={data.appUrl}
      footer="You get this email because this address was used to create a Makers Market account. Security emails are always sent."
    >
      <EmailHeading>Confirm your email address</EmailHeading>
      <Text style={paragraph}>
        Hi {data.name}, welcome to Makers Market. Confirm that <strong>{data.email}</strong> is your address with the
        button below. The link works once and expires in {data.validFor}.
      </Text>
      <EmailButton href={data.verifyUrl}>Confirm my email</EmailButton>
      <PasteLink url={data.verifyUrl} />
      <Text style={{ ...small, margin: 0 }}>
        You can browse and buy already; creators need a confirmed address to publish products. If you did not create
        this account, ignore this email.
      </Text>
    </EmailLayout>
  );
}

// Confirm a new address (sent to the new address).

export interface EmailChangeData {
  appUrl: string;
  name: string;
  oldEmail: string;
  newEmail: string;
  confirmUrl: string;
  validFor: string;
}

export const EMAIL_CHANGE_SUBJECT = "Confirm your new email for Makers Market";

export function emailChangeText(data: EmailChangeData) {
  return textFooter([
    "Confirm your new email address",
    "",
    `Hi ${data.name}, you asked to change the email of your Makers Market account from ${data.oldEmail} to ${data.newEmail}. Follow this link to make the change (it works once, for ${data.validFor}):`,
    "",
    data.confirmUrl,
    "",
    `Until then, your account keeps ${data.oldEmail}. If you did not ask for this, ignore this email.`,
  ]);
}

export function EmailChangeEmail(data: EmailChangeData) {
  return (
    <EmailLayout
      preview={`Confirm ${data.newEmail} as your new Makers Market email.`}
      appUrl={data.appUrl}
      footer="You get this email because a Makers Market account asked to use this address. Security emails are always sent."
    >
      <EmailHeading>Confirm your new email address</EmailHeading>
      <Text style={paragraph}>
        Hi {data.name}, you asked to change the email of your Makers Market account from{" "}
        <strong>{data.oldEmail}</strong> to <strong>{data.newEmail}</strong>. Confirm with the button below; the link
        works once and expires in {data.validFor}.
      </Text>
      <EmailButton href={data.confirmUrl}>Use this email</EmailButton>
      <PasteLink url={data.confirmUrl} />
      <Text style={{ ...small, margin: 0 }}>
        Until then, your account keeps {data.oldEmail}. If you did not ask for this, ignore this email.
      </Text>
    </EmailLayout>
  );
}

// The notice to the old address.

export interface EmailChangeNoticeData {
  appUrl: string;
  name: string;
  oldEmail: string;
  newEmail: string;
  resetUrl: string;
}

export const EMAIL_CHANGE_NOTICE_SUBJECT = "Your Makers Market email is being changed";

export function emailChangeNoticeText(data: EmailChangeNoticeData) {
  return textFooter([
    "Your email is being changed",
    "",
    `Hi ${data.name}, someone signed in to your Makers Market account asked to change its email from ${data.oldEmail} to ${data.newEmail}. We sent a confirmation link to ${data.newEmail}; the change happens only when it is followed.`,
    "",
    "If this was you, there is nothing to do. If it was not, change your password now, which signs everyone out:",
    "",
    data.resetUrl,
  ]);
}

export function EmailChangeNoticeEmail(data: EmailChangeNoticeData) {
  return (
    <EmailLayout
      preview={`A change of your account's email to ${data.newEmail} was asked for.`}
      appUrl={data.appUrl}
      footer="You get this email because it is the address of a Makers Market account. Security emails are always sent."
    >
      <EmailHeading>Your email is being changed</EmailHeading>
      <Text style={paragraph}>
        Hi {data.name}, someone signed in to your Makers Market account asked to change its email from{" "}
        <strong>{data.oldEmail}</strong> to <strong>{data.newEmail}</strong>. We sent a confirmation link to the new
        address; the change happens only when it is followed.
      </Text>
      <Text style={paragraph}>
        If this was you, there is nothing to do. If it was not, change your password now: it signs everyone out.
      </Text>
      <EmailButton href={data.resetUrl}>Change my password</EmailButton>
    </EmailLayout>
  );
}
