// The shape of the webhook handler map: keyed by Stripe event type, each handler receives that type's event, so
// `event.data.object` is already the right Stripe object (no casts).
import type Stripe from "stripe";

export type EventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;

/** Handlers are idempotent and order-independent: running one twice, or after a later event, changes nothing. */
export type HandlerMap = { [T in Stripe.Event.Type]?: (event: EventOf<T>) => Promise<void> };
