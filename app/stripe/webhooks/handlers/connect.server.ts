// account.* events for connected accounts.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { syncConnectedAccount } from "#app/domain/creators.server.ts";
import { transaction } from "#app/utils/db.server.ts";
import type { EventHandler } from "../dispatch.server.ts";

export const connectHandlers: Record<string, EventHandler> = {
  "account.updated": async (event) => {
    const account = event.data.object as Stripe.Account;
    // Events can arrive out of order: the event's own time decides whether it is newer than what we stored.
    await transaction((tx) =>
      syncConnectedAccount(tx, account, { actor: { ...STRIPE_ACTOR, id: event.id }, observedAt: new Date(event.created * 1000) }),
    );
  },
};
