// The local inbox's SMTP server (development and tests only): `npm start` runs it in-process when SMTP_URL is unset,
// and the tests run it to read what the app really sent over SMTP. Every message it accepts is parsed (mailparser)
// and stored in `dev_inbox_messages`, which /dev/inbox shows. It listens on loopback only and asks for no password.
import { simpleParser, type AddressObject } from "mailparser";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { db } from "./db.server.ts";

/** The largest message the local server accepts (a receipt is a few kilobytes). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface LocalSmtpServer {
  /** What SMTP_URL should be to send here: `smtp://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Stops accepting connections and waits for the open ones to end. */
  close(): Promise<void>;
}

function addressText(address: AddressObject | AddressObject[] | undefined) {
  if (!address) return "";
  return (Array.isArray(address) ? address : [address]).map((entry) => entry.text).join(", ");
}

/** "Name: value" header lines as [name, value] pairs, in order, folded lines joined. */
function headerPairs(lines: readonly { key: string; line: string }[]): [string, string][] {
  return lines.map(({ line }) => {
    const colon = line.indexOf(":");
    return [
      line.slice(0, colon).trim(),
      line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, " ")
        .trim(),
    ];
  });
}

/**
 * Starts the server on `port` (0: any free port) at 127.0.0.1. Messages are stored in the database `db()` points at
 * when they arrive, so it may start before the app's environment is complete (its own URL goes into SMTP_URL).
 */
export async function startLocalSmtpServer(options: { port?: number } = {}): Promise<LocalSmtpServer> {
  const server = new SMTPServer({
    banner: "Makers Market local inbox",
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      let size = 0;
      stream.on("data", (chunk: Buffer) => (size += chunk.length));
      simpleParser(stream)
        .then(async (parsed) => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            const error = new Error("Message too large for the local inbox") as Error & { responseCode: number };
            error.responseCode = 552;
            throw error;
          }
          await db().devInboxMessage.create({
            data: {
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
              from: addressText(parsed.from),
              to: addressText(parsed.to),
              subject: parsed.subject ?? "",
              messageId: parsed.messageId ?? null,
              html: typeof parsed.html === "string" ? parsed.html : null,
              text: parsed.text ?? null,
              headers: headerPairs(parsed.headerLines),
              size,
            },
          });
        })
        .then(
          () => callback(),
          (error: Error) => callback(error),
        );
    },
  });
  server.on("error", (error) => console.warn(`[local inbox] ${error.message}`));
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.server.off("error", reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
