// The "forgot password" email: a link that sets a new password, good once and for an hour.
import { Link, Text } from "@react-email/components";
import { COLORS, EmailButton, EmailHeading, EmailLayout, paragraph } from "./layout.tsx";

export interface PasswordResetData {
  appUrl: string;
  name: string;
  resetUrl: string;
}

export const PASSWORD_RESET_SUBJECT = "Reset your Makers Market password";

/** The plain-text part. */
export function passwordResetText(data: PasswordResetData) {
  return [
    "Reset your password",
    "",
    `Hi ${data.name}, someone (we hope you) asked to reset the password of your Makers Market account. Choose a new one at this link. It works once and expires in 1 hour:`,
    "",
    data.resetUrl,
    "",
    "If you did not ask for this, ignore this email: your password stays as it is. Resetting it signs you out everywhere.",
    "",
    "-- ",
    "Makers Market · Security emails are always sent.",
  ].join("\n");
}

export function PasswordResetEmail(data: PasswordResetData) {
  return (
    <EmailLayout
      preview="Someone asked to reset your password. The link works once, for an hour."
      appUrl={data.appUrl}
      footer="You get this email because someone asked to reset the password of your Makers Market account. Security emails are always sent."
    >
      <EmailHeading>Reset your password</EmailHeading>
      <Text style={paragraph}>
        Hi {data.name}, someone (we hope you) asked to reset the password of your Makers Market account. Choose a new
        one with the button below. The link works once and expires in 1 hour.
      </Text>
      <EmailButton href={data.resetUrl}>Choose a new password</EmailButton>
      <Text style={{ ...paragraph, margin: "20px 0 8px", fontSize: "13px", color: COLORS.muted }}>
        Or paste this link into your browser:{" "}
        <Link href={data.resetUrl} style={{ color: COLORS.brand, wordBreak: "break-all" }}>
          {data.resetUrl}
        </Link>
      </Text>
      <Text style={{ ...paragraph, margin: 0, fontSize: "13px", color: COLORS.muted }}>
        If you did not ask for this, ignore this email: your password stays as it is. Resetting it signs you out
        everywhere.
      </Text>
    </EmailLayout>
  );
}
