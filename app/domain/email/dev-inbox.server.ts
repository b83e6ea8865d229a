// The development inbox: what the local SMTP server received (app/utils/local-smtp.server.ts), for /dev/inbox. In
// production there is none: every function here answers 404 there.
import { db } from "#app/utils/db.server.ts";
import { env } from "#app/utils/env.server.ts";

export const INBOX_PAGE_SIZE = 20;

/** The inbox exists in development and tests only; in production its pages are 404s. */
export function requireDevInbox() {
  if (env().NODE_ENV === "production") throw new Response("Not found", { status: 404 });
}

/** One page of received messages, newest first. */
export async function listInbox({ page }: { page: number }) {
  requireDevInbox();
  const [rows, total] = await Promise.all([
    db().devInboxMessage.findMany({
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * INBOX_PAGE_SIZE,
      take: INBOX_PAGE_SIZE,
      select: { id: true, receivedAt: true, from: true, to: true, subject: true, text: true },
    }),
    db().devInboxMessage.count(),
  ]);
  return {
    messages: rows.map(({ text, ...row }) => ({
      ...row,
      preview: (text ?? "").replace(/\s+/g, " ").trim().slice(0, 140),
    })),
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / INBOX_PAGE_SIZE)),
  };
}

function decodeEntities(text: string) {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The links of a message's HTML, each once, in order, with whether it is a web link that is safe to follow. */
export function messageLinks(html: string | null) {
  const seen = new Set<string>();
  const links: { href: string; web: boolean }[] = [];
  for (const match of (html ?? "").matchAll(/<a\b[^>]*\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    const href = decodeEntities(match[1] ?? match[2] ?? "").trim();
    if (!href || seen.has(href)) continue;
    seen.add(href);
    links.push({ href, web: /^https?:\/\//i.test(href) });
  }
  return links;
}

/** One message: its HTML (for a sandboxed frame), its text part, its headers and its links; 404 when unknown. */
export async function inboxMessage(id: string) {
  requireDevInbox();
  const message = await db().devInboxMessage.findUnique({ where: { id } });
  if (!message) throw new Response("There is no such message in the inbox.", { status: 404 });
  return {
    id: message.id,
    receivedAt: message.receivedAt,
    from: message.from,
    to: message.to,
    rcptTo: message.rcptTo,
    subject: message.subject,
    messageId: message.messageId,
    html: message.html,
    text: message.text,
    headers: message.headers as [string, string][],
    size: message.size,
    links: messageLinks(message.html),
  };
}
