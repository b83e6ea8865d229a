import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import {
  startStripeEmulator,
  type StripeEmulator,
  type StripeEmulatorOptions,
} from "../../scripts/stripe-emulator/server.js";
import { completeOnboarding } from "../../scripts/stripe-emulator/testing.js";

export function client(em: StripeEmulator, key = em.secretKey, maxNetworkRetries = 0): Stripe {
  const u = new URL(em.url);
  return new Stripe(key, { host: u.hostname, port: Number(u.port), protocol: "http", maxNetworkRetries });
}

export async function boot(opts: StripeEmulatorOptions = {}): Promise<{ em: StripeEmulator; stripe: Stripe }> {
  const em = await startStripeEmulator({ port: 0, retryScheduleMs: [50, 100, 200], deliveryTimeoutMs: 1000, ...opts });
  return { em, stripe: client(em) };
}

export interface Received {
  body: string;
  headers: http.IncomingHttpHeaders;
  event: Stripe.Event;
}
/** Tiny webhook receiver. `respond` decides the status for each request. */
export async function receiver(respond: (n: number, ev: Stripe.Event) => number = () => 200) {
  const received: Received[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const event = JSON.parse(body) as Stripe.Event;
      received.push({ body, headers: req.headers, event });
      res.statusCode = respond(n++, event);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** An onboarded express account ready to receive destination charges. */
export async function onboardedAccount(em: StripeEmulator, stripe: Stripe): Promise<Stripe.Account> {
  const acct = await stripe.accounts.create({
    type: "express",
    email: "seller@example.com",
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
  await completeOnboarding(em.url, acct.id);
  return acct;
}

export async function destinationSession(stripe: Stripe, dest: string, amount = 10000, fee = 1000, currency = "usd") {
  return stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [{ quantity: 1, price_data: { currency, unit_amount: amount, product_data: { name: "Ebook" } } }],
    payment_intent_data: {
      application_fee_amount: fee,
      transfer_data: { destination: dest },
      metadata: { order: "o_1" },
    },
    success_url: "http://localhost:3000/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:3000/cancel",
    client_reference_id: "order_1",
    customer_email: "buyer@example.com",
    metadata: { order_id: "o_1" },
  });
}

export function avail(b: Stripe.Balance, cur = "usd"): number {
  return b.available.find((a) => a.currency === cur)?.amount ?? 0;
}

/**
 * Reading the event log around a step: `marker()` is the newest event id so far; `eventsAfter(mark)` the events created
 * since, oldest first, optionally of some types. `stripe` is read on each call (test files assign it in beforeAll).
 */
export function eventLog(stripe: () => Stripe) {
  async function marker(): Promise<string> {
    return (await stripe().events.list({ limit: 1 })).data[0].id;
  }
  async function eventsAfter(mark: string, types?: string[]): Promise<Stripe.Event[]> {
    const list = await stripe().events.list({ limit: 100, ending_before: mark });
    return list.data
      .slice()
      .reverse()
      .filter((e) => !types || types.includes(e.type));
  }
  async function eventTypes(mark: string, types: string[]): Promise<string[]> {
    return (await eventsAfter(mark, types)).map((e) => e.type);
  }
  return { marker, eventsAfter, eventTypes };
}
