// Fault suite: the findings of the security review (issue 12), each reproduced against the real stack — the built
// app as its own process over HTTP, and route actions and loaders with the real database and the Stripe emulator.
// Every case failed before its fix. The sections live in ./attacks/ by area; this file starts the stack once.
import { afterAll, beforeAll } from "vitest";
import { startTestApp } from "#tests/helpers/app-server.ts";
import { expectMarketplaceInvariants } from "#tests/helpers/invariants.ts";
import { startTestStripe } from "#tests/helpers/stripe.ts";
import { stack } from "./attacks/context.ts";
import "./attacks/leaks.ts";
import "./attacks/money-and-csv.ts";
import "./attacks/hostile-input.ts";
import "./attacks/http.ts";

beforeAll(async () => {
  stack.stripe = await startTestStripe();
  // One trusted proxy hop (the test plays the TLS proxy, sending X-Forwarded-For), and short timeouts for slow clients.
  stack.app = await startTestApp({
    databaseUrl: process.env.DATABASE_URL!,
    env: { TRUST_PROXY: "1", REQUEST_TIMEOUT_MS: "3000", HEADERS_TIMEOUT_MS: "2000" },
  });
}, 120_000);

afterAll(async () => {
  await stack.app?.stop();
  if (stack.stripe) await expectMarketplaceInvariants(stack.stripe.url, stack.stripe.emulator.secretKey);
  await stack.stripe?.stop();
});
