// The notice every money email shares (refunds, disputes, sales, staff alerts): a heading, a few paragraphs, an
// optional table of amounts lined up on the right, a button to the page where the reader acts, and small print. The
// HTML is React Email in the shop's look (layout.tsx); the plain-text part is the same notice laid out for a
// fixed-width reader, its table lined up as the receipt's is. Amounts arrive formatted (formatMoney).
import { Link, Text } from "@react-email/components";
import { COLORS, EmailButton, EmailHeading, EmailLayout, paragraph } from "./layout.tsx";

export interface NoticeRow {
  label: string;
  value: string;
  /** The row that sums up (a total, what the reader gets or gives back). */
  strong?: boolean;
}

export interface NoticeData {
  appUrl: string;
  /** The line mail clients show beside the subject. */
  preview: string;
  heading: string;
  paragraphs: string[];
  rows?: NoticeRow[];
  /** A quoted message from a person (staff's answer to a refund request), shown as they wrote it. */
  quote?: { by: string; text: string };
  button?: { href: string; label: string };
  /** Small print under the button. */
  notes?: string[];
  /** Why the reader gets this email. */
  footer: string;
}

const WIDTH = 56;

function textRow(row: NoticeRow) {
  return `${row.label}${" ".repeat(Math.max(2, WIDTH - row.label.length - row.value.length))}${row.value}`;
}

/** The plain-text part of a notice. */
export function noticeText(data: NoticeData) {
  return [
    data.heading,
    "",
    ...data.paragraphs.flatMap((text) => [text, ""]),
    ...(data.quote
      ? [`${data.quote.by} wrote:`, ...data.quote.text.split(/\r?\n/).map((line) => `> ${line}`), ""]
      : []),
    ...(data.rows?.length
      ? [...data.rows.flatMap((row) => (row.strong ? ["-".repeat(WIDTH), textRow(row)] : [textRow(row)])), ""]
      : []),
    ...(data.button ? [`${data.button.label}: ${data.button.href}`, ""] : []),
    ...(data.notes ?? []).flatMap((note) => [note, ""]),
    "-- ",
    `Makers Market · ${data.footer}`,
  ].join("\n");
}

const cell = { padding: "8px 0", borderBottom: `1px solid ${COLORS.line}`, fontSize: "14px", lineHeight: "20px" };
const small = { ...paragraph, margin: "16px 0 0", fontSize: "13px", color: COLORS.muted };

export function MoneyNotice(data: NoticeData) {
  return (
    <EmailLayout preview={data.preview} appUrl={data.appUrl} footer={data.footer}>
      <EmailHeading>{data.heading}</EmailHeading>
      {data.paragraphs.map((text, index) => (
        <Text key={index} style={paragraph}>
          {text}
        </Text>
      ))}
      {data.quote ? (
        <Text
          style={{
            ...paragraph,
            borderLeft: `3px solid ${COLORS.line}`,
            padding: "4px 0 4px 12px",
            whiteSpace: "pre-line",
          }}
        >
          <span style={{ display: "block", fontSize: "13px", color: COLORS.muted }}>{data.quote.by} wrote:</span>
          {data.quote.text}
        </Text>
      ) : null}
      {data.rows?.length ? (
        <table width="100%" cellPadding={0} cellSpacing={0} role="presentation" style={{ margin: "0 0 20px" }}>
          <tbody>
            {data.rows.map((row, index) => {
              const weight = row.strong ? 700 : 400;
              return (
                <tr key={index}>
                  <td style={{ ...cell, fontWeight: weight }}>{row.label}</td>
                  <td style={{ ...cell, fontWeight: weight, textAlign: "right", whiteSpace: "nowrap" }}>{row.value}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {data.button ? <EmailButton href={data.button.href}>{data.button.label}</EmailButton> : null}
      {data.button ? (
        <Text style={small}>
          Or open{" "}
          <Link href={data.button.href} style={{ color: COLORS.brand, wordBreak: "break-all" }}>
            {data.button.href}
          </Link>
        </Text>
      ) : null}
      {(data.notes ?? []).map((note, index) => (
        <Text key={index} style={small}>
          {note}
        </Text>
      ))}
    </EmailLayout>
  );
}
