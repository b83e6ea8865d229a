// account.* events for connected accounts.
import type Stripe from "stripe";
import { STRIPE_ACTOR } from "#app/domain/audit.server.ts";
import { syncConnectedAccount } from "#app/domain/creators.server.ts";
import { db, transaction } from "#app/utils/db.server.ts";
import { retrieveAccount } from "../../connect.server.ts";
import type { EventHandler } from "../dispatch.server.ts";

export const connectHandlers: Record<string, EventHandler> = {
  "account.updated": async (event) => {
    const { id } = event.data.object as Stripe.Account;
    // Not one of our creators (another platform's account, or deleted): acknowledge and do nothing.
    if (!(await db().creatorAccount.count({ where: { stripeAccountId: id } }))) return;
    // Events arrive in any order and carry one-second timestamps: read the account's current state instead of
    // trusting the payload, so a late, older event can't overwrite a newer status.
    const account = await retrieveAccount(id);
    const observedAt = new Date();
    await transaction((tx) => syncConnectedAccount(tx, account, { actor: { ...STRIPE_ACTOR, id: event.id }, observedAt }));
  },
};
