// Which handler runs for which event type. Types without a handler are stored and acknowledged.
import type Stripe from "stripe";
import type { HandlerMap } from "./handler-map.ts";
import { checkoutHandlers } from "./handlers/checkout.server.ts";
import { connectHandlers } from "./handlers/connect.server.ts";
import { membershipHandlers } from "./handlers/memberships.server.ts";
import { payoutHandlers } from "./handlers/payouts.server.ts";
import { refundHandlers } from "./handlers/refunds.server.ts";

const handlers: HandlerMap = {
  ...checkoutHandlers,
  ...connectHandlers,
  ...refundHandlers,
  ...membershipHandlers,
  ...payoutHandlers,
};

export type EventHandler = (event: Stripe.Event) => Promise<void>;

export function handlerFor(type: string): EventHandler | undefined {
  // The map pairs each type with its own event's handler; TypeScript can't follow that pairing through a lookup by a
  // runtime string, so this one place widens it. The caller passes the event whose type it looked up.
  // Own properties only: a type such as "constructor" must not find Object's.
  if (!Object.hasOwn(handlers, type)) return undefined;
  return handlers[type as Stripe.Event.Type] as EventHandler | undefined;
}

export function handledEventTypes() {
  return Object.keys(handlers);
}
