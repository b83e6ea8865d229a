// Small HTTP helpers shared by the hosted pages.
import type http from "node:http";
import { parseForm } from "../form.js";

export function html(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}
export function redirect(res: http.ServerResponse, to: string): void {
  res.writeHead(303, { location: to });
  res.end();
}
export async function form(req: http.IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return parseForm(Buffer.concat(chunks).toString("utf8")) as Record<string, string>;
}
/** "February 1, 2026" in UTC, as Stripe's hosted pages print dates. */
export function longDate(t: number): string {
  return new Date(t * 1000).toLocaleDateString("en-US", {
    timeZone: "UTC",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}
