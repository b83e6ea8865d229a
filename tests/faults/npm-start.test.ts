// Fault suite: `npm start` itself (scripts/start.ts), run as its own process from the build (issue 14, defects 7
// and 8). What the user configured wins over what `npm start` would pick; killing it, however, must not leave its
// embedded PostgreSQL running, and what a crash leaves behind must not stop the next start.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as controls from "../../scripts/stripe-emulator/testing.ts";
import { startTestApp, type TestApp } from "#tests/helpers/app-server.ts";
import { emulatorClient } from "#tests/helpers/stripe.ts";

const STRIPE_VARIABLES = ["STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"];

describe("npm start with a STRIPE_WEBHOOK_SECRET of the user's and no Stripe keys (the emulator)", () => {
  const userSecret = "whsec_set_by_the_user_for_this_test";
  let app: TestApp;
  let emulatorUrl: string;

  beforeAll(async () => {
    // Nothing of the test process's own Stripe setup reaches the app: only the one variable the user set.
    for (const name of STRIPE_VARIABLES) delete process.env[name];
    app = await startTestApp({ databaseUrl: process.env.DATABASE_URL!, env: { STRIPE_WEBHOOK_SECRET: userSecret } });
    emulatorUrl = /Stripe emulator on (http:\/\/\S+) /.exec(app.output())![1]!;
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  it("verifies webhooks with the user's secret", async () => {
    const payload = JSON.stringify({
      id: `evt_user_secret_${Date.now()}`,
      object: "event",
      type: "customer.created",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: "cus_user_secret", object: "customer" } },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: userSecret });
    const response = await fetch(`${app.url}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "stripe-signature": signature, "content-type": "application/json" },
      body: payload,
    });
    expect(response.status, await response.text()).toBe(200);
  });

  it("has the emulator sign its deliveries with that secret, and the app accepts them", async () => {
    const stripe = emulatorClient(emulatorUrl, "sk_test_emulator");
    const customer = await stripe.customers.create({ email: "signed-by-user-secret@example.com" });
    const [event] = (await stripe.events.list({ type: "customer.created" })).data.filter(
      (e) => (e.data.object as Stripe.Customer).id === customer.id,
    );
    // The first attempt's answer (other deliveries, of the demo data's events, are none of this test's business).
    const deadline = Date.now() + 20_000;
    let attempts: (number | null)[] = [];
    while (!attempts.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const deliveries = await controls.listDeliveries(emulatorUrl, { event: event!.id });
      attempts = deliveries.flatMap((d) => d.attempts.map((a) => a.status));
    }
    expect(attempts[0], app.output().slice(-2000)).toBe(200);
  });
});
