// The local SMTP server each test file gets (started in tests/setup/each-file.ts, SMTP_URL pointed at it): the app's
// mailer really speaks SMTP to it, and what it accepted is read back from `dev_inbox_messages`, as /dev/inbox does.
// A test can stop it (the mail server is down: deliveries fail and are retried) and start it again on the same port.
import { startLocalSmtpServer, type LocalSmtpServer } from "#app/utils/local-smtp.server.ts";
import { db } from "#app/utils/db.server.ts";

let server: LocalSmtpServer | undefined;
let port = 0;

/** Starts the file's mail server (again on the same port once it has had one). */
export async function startMailServer() {
  if (server) return server;
  server = await startLocalSmtpServer({ port });
  port = server.port;
  return server;
}

/** Stops it: connections are refused until `startMailServer()`. */
export async function stopMailServer() {
  const running = server;
  server = undefined;
  await running?.close();
}

/** Everything the mail server accepted for `to` (any recipient when omitted), oldest first. */
export async function deliveries(to?: string) {
  return db().devInboxMessage.findMany({
    where: to ? { rcptTo: { has: to } } : {},
    orderBy: [{ receivedAt: "asc" }, { id: "asc" }],
  });
}

export type Delivery = Awaited<ReturnType<typeof deliveries>>[number];

/** Waits until `to` has received `count` messages (for up to `timeoutMs`), and returns them. */
export async function waitForDeliveries(to: string, count = 1, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = await deliveries(to);
    if (received.length >= count) return received;
    if (Date.now() > deadline)
      throw new Error(`${to} received ${received.length} of ${count} emails within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A header's value from a stored delivery (the first with that name, case-insensitive). */
export function header(message: Delivery, name: string) {
  const pairs = message.headers as [string, string][];
  return pairs.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** The href of every link in the message's HTML. */
export function links(message: Delivery) {
  return [...(message.html ?? "").matchAll(/href="([^"]+)"/g)].map((match) => match[1]!.replace(/&amp;/g, "&"));
}
