// The buyer's receipt after a payment: order number, each item with its amount, the total in the order's currency
// (formatted as the app formats money), and the way to the library where the downloads are.
import { Link, Text } from "@react-email/components";
import { formatMoney } from "#app/domain/money.ts";
import { COLORS, EmailButton, EmailHeading, EmailLayout, paragraph } from "./layout.tsx";

export interface ReceiptData {
  appUrl: string;
  buyerName: string;
  orderNumber: number;
  paidAt: Date;
  currency: string;
  totalAmount: number;
  items: { title: string; creator: string; amount: number }[];
}

const cell = { padding: "10px 0", borderBottom: `1px solid ${COLORS.line}`, fontSize: "14px", lineHeight: "20px" };

export function receiptSubject(data: Pick<ReceiptData, "orderNumber">) {
  return `Your receipt for order #${data.orderNumber}`;
}

const paidOn = (data: ReceiptData) => data.paidAt.toLocaleDateString("en-US", { dateStyle: "long", timeZone: "UTC" });

/** The plain-text part: the same receipt, laid out for a fixed-width reader. */
export function receiptText(data: ReceiptData) {
  const width = 48;
  const line = (left: string, right: string) =>
    `${left}${" ".repeat(Math.max(2, width - left.length - right.length))}${right}`;
  return [
    "Thank you for your purchase!",
    "",
    `Hi ${data.buyerName}, your payment went through. Your purchase is waiting in your library, ready to download.`,
    "",
    `Order #${data.orderNumber} · paid ${paidOn(data)} · ${data.currency.toUpperCase()}`,
    "",
    ...data.items.flatMap((item) => [
      line(item.title, formatMoney(item.amount, data.currency)),
      `  by ${item.creator}`,
    ]),
    "-".repeat(width),
    line("Total paid", formatMoney(data.totalAmount, data.currency)),
    "",
    `Your library: ${data.appUrl}/library`,
    `The full receipt, and a way to ask for a refund: ${data.appUrl}/library/orders/${data.orderNumber}`,
    "",
    "-- ",
    "Makers Market · You get this email because you bought something on Makers Market. Receipts are always sent.",
  ].join("\n");
}

export function ReceiptEmail(data: ReceiptData) {
  const libraryUrl = `${data.appUrl}/library`;
  const receiptUrl = `${data.appUrl}/library/orders/${data.orderNumber}`;
  const total = formatMoney(data.totalAmount, data.currency);
  return (
    <EmailLayout
      preview={`Order #${data.orderNumber} · ${total} paid. Your purchase is in your library.`}
      appUrl={data.appUrl}
      footer="You get this email because you bought something on Makers Market. Receipts are always sent."
    >
      <EmailHeading>Thank you for your purchase!</EmailHeading>
      <Text style={paragraph}>
        Hi {data.buyerName}, your payment went through. Your purchase is waiting in your library, ready to download.
      </Text>
      <Text style={{ ...paragraph, margin: "0 0 4px", fontSize: "13px", color: COLORS.muted }}>
        Order #{data.orderNumber} · paid {paidOn(data)} · {data.currency.toUpperCase()}
      </Text>
      <table width="100%" cellPadding={0} cellSpacing={0} role="presentation" style={{ margin: "0 0 20px" }}>
        <tbody>
          {data.items.map((item, index) => (
            <tr key={index}>
              <td style={cell}>
                <strong>{item.title}</strong>
                <br />
                <span style={{ color: COLORS.muted, fontSize: "13px" }}>by {item.creator}</span>
              </td>
              <td style={{ ...cell, textAlign: "right", whiteSpace: "nowrap" }}>
                {formatMoney(item.amount, data.currency)}
              </td>
            </tr>
          ))}
          <tr>
            <td style={{ ...cell, borderBottom: "none", fontWeight: 700 }}>Total paid</td>
            <td style={{ ...cell, borderBottom: "none", fontWeight: 700, textAlign: "right", whiteSpace: "nowrap" }}>
              {total}
            </td>
          </tr>
        </tbody>
      </table>
      <EmailButton href={libraryUrl}>Go to your library</EmailButton>
      <Text style={{ ...paragraph, margin: "20px 0 0", fontSize: "13px", color: COLORS.muted }}>
        The full receipt, and a way to ask for a refund, is at{" "}
        <Link href={receiptUrl} style={{ color: COLORS.brand }}>
          {receiptUrl}
        </Link>
        .
      </Text>
    </EmailLayout>
  );
}
