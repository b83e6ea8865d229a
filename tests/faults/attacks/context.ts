// The stack the attack suite runs against, started once by `tests/faults/attacks.test.ts`: the Stripe emulator
// in-process (its webhooks signed into the real webhook route) for route-level attacks, and the built app as its own
// process (as `npm start` runs it) for attacks that need the HTTP server itself (headers, bodies, proxies, timeouts).
import type { TestApp } from "#tests/helpers/app-server.ts";
import type { TestStripe } from "#tests/helpers/stripe.ts";

export const stack: { stripe?: TestStripe; app?: TestApp } = {};

/** The in-process Stripe emulator of this test file. */
export function testStripe(): TestStripe {
  if (!stack.stripe) throw new Error("The attack suite's Stripe emulator is not running");
  return stack.stripe;
}

/** The app running as its own process (the production build), on its own port. */
export function testApp(): TestApp {
  if (!stack.app) throw new Error("The attack suite's app process is not running");
  return stack.app;
}
