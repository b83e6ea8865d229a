// The frame every email shares, in the shop's look: the "M" mark and name, a white card on slate, indigo buttons.
// Styles are inline (mail clients drop style sheets); colours are the app's (tailwind.config.ts brand, slate).
import { Body, Button, Container, Head, Hr, Html, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";

export const COLORS = {
  brand: "#4f46e5",
  ink: "#0f172a",
  body: "#334155",
  muted: "#64748b",
  line: "#e2e8f0",
  page: "#f8fafc",
} as const;

const font = 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export const paragraph = { margin: "0 0 16px", fontSize: "15px", lineHeight: "24px", color: COLORS.body };

export function EmailLayout({
  preview,
  appUrl,
  children,
  footer,
}: {
  /** The line mail clients show beside the subject. */
  preview: string;
  appUrl: string;
  children: ReactNode;
  /** Why the reader gets this email. */
  footer: string;
}) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={{ margin: 0, backgroundColor: COLORS.page, fontFamily: font, color: COLORS.ink }}>
        <Container style={{ maxWidth: "560px", margin: "0 auto", padding: "32px 16px" }}>
          <Section style={{ paddingBottom: "16px" }}>
            <a href={appUrl} style={{ textDecoration: "none", color: COLORS.ink, fontSize: "18px", fontWeight: 700 }}>
              <span
                style={{
                  display: "inline-block",
                  width: "32px",
                  height: "32px",
                  lineHeight: "32px",
                  textAlign: "center",
                  borderRadius: "8px",
                  backgroundColor: COLORS.brand,
                  color: "#ffffff",
                  marginRight: "8px",
                }}
              >
                M
              </span>
              Makers Market
            </a>
          </Section>
          <Section
            style={{
              backgroundColor: "#ffffff",
              border: `1px solid ${COLORS.line}`,
              borderRadius: "12px",
              padding: "28px 24px",
            }}
          >
            {children}
          </Section>
          <Hr style={{ borderColor: COLORS.line, margin: "24px 0 12px" }} />
          <Text style={{ margin: 0, fontSize: "12px", lineHeight: "18px", color: COLORS.muted }}>{footer}</Text>
        </Container>
      </Body>
    </Html>
  );
}

export function EmailHeading({ children }: { children: ReactNode }) {
  return <Text style={{ margin: "0 0 12px", fontSize: "22px", lineHeight: "30px", fontWeight: 700 }}>{children}</Text>;
}

export function EmailButton({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Button
      href={href}
      style={{
        backgroundColor: COLORS.brand,
        color: "#ffffff",
        borderRadius: "8px",
        padding: "10px 18px",
        fontSize: "14px",
        fontWeight: 600,
        textDecoration: "none",
      }}
    >
      {children}
    </Button>
  );
}
