// The Stripe emulator in-process for a test file, with its webhooks signed and POSTed over HTTP into the app's real
// webhook route (through a small Node HTTP server that hands the request to the route's action).
import http from "node:http";
import Stripe from "stripe";
import type { AddressInfo } from "node:net";
import { startStripeEmulator, type StripeEmulator } from "../../scripts/stripe-emulator/server.ts";
import * as controls from "../../scripts/stripe-emulator/testing.ts";
import { startWorkers, stopWorkers } from "#app/jobs/workers.server.ts";
import { db } from "#app/utils/db.server.ts";
import { reloadEnv } from "#app/utils/env.server.ts";
import { action as webhookAction } from "#app/routes/api+/webhooks.stripe.ts";

/** A stripe-node client of the test's own (not the app's), talking to the emulator at `url`. */
export function emulatorClient(url: string, secretKey: string) {
  const base = new URL(url);
  return new Stripe(secretKey, { host: base.hostname, port: Number(base.port), protocol: "http" });
}

export interface TestStripe {
  emulator: StripeEmulator;
  /** The test's own stripe-node client for reading what Stripe holds. */
  stripe: Stripe;
  url: string;
  webhookUrl: string;
  /** Waits until every webhook delivery reached a final state. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export function webhookReceiver() {
  return http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(key, value);
    const request = new Request(`http://localhost${req.url}`, {
      method: req.method,
      headers,
      body: Buffer.concat(chunks),
    });
    try {
      const response = (await webhookAction({ request, params: {}, context: {} })) as Response;
      res.writeHead(response.status, { "content-type": "application/json" });
      res.end(await response.text());
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
}

export async function startTestStripe(): Promise<TestStripe> {
  const receiver = webhookReceiver();
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/stripe`;
  const emulator = await startStripeEmulator({ port: 0, webhookUrl, retryScheduleMs: [50, 100, 200] });
  process.env.STRIPE_API_BASE = emulator.url;
  process.env.STRIPE_SECRET_KEY = emulator.secretKey;
  process.env.STRIPE_PUBLISHABLE_KEY = emulator.publishableKey;
  process.env.STRIPE_WEBHOOK_SECRET = emulator.webhookSecret;
  reloadEnv();
  await startWorkers();
  return {
    emulator,
    stripe: emulatorClient(emulator.url, emulator.secretKey),
    url: emulator.url,
    webhookUrl,
    async settle() {
      // Processing an event can call Stripe, whose new events then arrive: settled once a round brings none.
      for (let round = 0; round < 20; round++) {
        const idle = await controls.waitForWebhooks(emulator.url, 15_000);
        if (!idle) throw new Error("Webhook deliveries did not settle within 15 s");
        const stored = await db().stripeEvent.count();
        await eventsSettled();
        if ((await controls.waitForWebhooks(emulator.url, 15_000)) && (await db().stripeEvent.count()) === stored)
          return;
      }
      throw new Error("Webhook deliveries and their processing kept going for 20 rounds");
    },
    async stop() {
      await stopWorkers();
      await emulator.close();
      await new Promise((resolve) => receiver.close(resolve));
    },
  };
}

/** Stored events still waiting for a worker: not processed, not dead-lettered, not dismissed. */
export async function pendingEvents() {
  return db().stripeEvent.findMany({
    where: { processedAt: null, deadAt: null, dismissedAt: null },
    select: { id: true, type: true, attempts: true, processingError: true },
  });
}

/** Waits until every stored event is processed or dead-lettered (the workers retry failures with back-off). */
export async function eventsSettled(timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await pendingEvents();
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const list = pending.map((e) => `${e.type} ${e.id} (${e.attempts} attempts: ${e.processingError ?? "-"})`);
      throw new Error(`Stored events still unprocessed after ${timeoutMs} ms:\n${list.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export { controls };
