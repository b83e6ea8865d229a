// Which handler runs for which event type. Types without a handler are stored and acknowledged.
import type Stripe from "stripe";
import { checkoutHandlers } from "./handlers/checkout.server.ts";
import { connectHandlers } from "./handlers/connect.server.ts";
import { membershipHandlers } from "./handlers/memberships.server.ts";
import { refundHandlers } from "./handlers/refunds.server.ts";

/** Handlers are idempotent and order-independent: running one twice, or after a later event, changes nothing. */
export type EventHandler = (event: Stripe.Event) => Promise<void>;

const handlers: Record<string, EventHandler> = {
  ...checkoutHandlers,
  ...connectHandlers,
  ...refundHandlers,
  ...membershipHandlers,
};

export function handlerFor(type: string): EventHandler | undefined {
  return handlers[type];
}

export function handledEventTypes() {
  return Object.keys(handlers);
}
