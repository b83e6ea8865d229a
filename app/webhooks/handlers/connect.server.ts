// account.* events for connected accounts.
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { syncConnectedAccountFromStripe } from "#app/domain/creators.server.ts";
import type { HandlerMap } from "#app/webhooks/handler-map.ts";

export const connectHandlers = {
  "account.updated": async (event) => {
    await syncConnectedAccountFromStripe(event.data.object.id, { actor: { ...STRIPE_ACTOR, id: event.id } });
  },
} satisfies HandlerMap;
