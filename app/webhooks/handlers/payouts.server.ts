// payout.* events on creators' connected accounts (they name the account in `event.account`): the creator hears when
// a payout was paid or failed. A payout's amount, currency and arrival date don't change; its outcome is the event's.
import type Stripe from "stripe";
import { notePayout } from "#app/domain/creators.server.ts";
import type { EventOf, HandlerMap } from "#app/webhooks/handler-map.ts";

const payoutOf = (payout: Stripe.Payout) => ({
  id: payout.id,
  amount: payout.amount,
  currency: payout.currency,
  arrivalDate: new Date(payout.arrival_date * 1000),
  failureMessage: payout.failure_message,
});

const onPayout = (outcome: "paid" | "failed") => async (event: EventOf<"payout.paid" | "payout.failed">) => {
  // A payout on the platform's own account is not a creator's.
  if (!event.account) return;
  await notePayout({ accountId: event.account, outcome, payout: payoutOf(event.data.object) });
};

export const payoutHandlers = {
  "payout.paid": onPayout("paid"),
  "payout.failed": onPayout("failed"),
} satisfies HandlerMap;
