// Billing portal sessions: POST /v1/billing_portal/sessions returns a short-lived link to the
// emulator's hosted portal page (pages/portal.ts).
import type Stripe from "stripe";
import type { Emu, Router } from "../context.js";
import { PLATFORM } from "../store.js";
import { newId, now, rand } from "../ids.js";
import { validate, str } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";

/** An unvisited link works for 5 minutes; once opened, the portal stays usable for an hour. */
export const PORTAL_LINK_TTL = 300;
export const PORTAL_SESSION_TTL = 3600;
export const DEFAULT_PORTAL_CONFIGURATION = "bpc_emulator_default";

interface PortalInternal {
  __token: string;
  __visited_at?: number;
}
export type PortalSession = Stripe.BillingPortal.Session & PortalInternal;

export function portalUrl(em: Emu, token: string): string {
  return `${em.url}/p/session/${token}`;
}

export function findPortalSession(em: Emu, token: string): PortalSession | undefined {
  return em.store.all<PortalSession>("billing_portal.session", null, (s) => s.__token === token)[0];
}

/** Expired unless visited within 5 minutes of creation, then for an hour after the first visit (emulator clock). */
export function portalExpired(s: PortalSession): boolean {
  const t = now();
  return s.__visited_at === undefined ? t > s.created + PORTAL_LINK_TTL : t > s.__visited_at + PORTAL_SESSION_TTL;
}

export function markVisited(em: Emu, s: PortalSession): void {
  if (s.__visited_at !== undefined) return;
  s.__visited_at = now();
  em.store.scheduleSave();
}

function notEmulated(param: string): never {
  throw invalidParam(
    param,
    `The Stripe emulator does not emulate \`${param}\` on billing portal sessions (deep-link flows and session recovery); create a plain session and let the customer use the portal page.`,
  );
}

export function register(r: Router): void {
  r.add("POST", "/v1/billing_portal/sessions", (ctx) => {
    validate(ctx.params, {
      customer: true,
      customer_account: true,
      return_url: true,
      configuration: true,
      locale: true,
      on_behalf_of: true,
      flow_data: "any",
      after_expiration: "any",
    });
    const p = ctx.params;
    if (p.flow_data !== undefined) notEmulated("flow_data");
    if (p.after_expiration !== undefined) notEmulated("after_expiration");
    if (p.customer_account !== undefined)
      throw invalidParam(
        "customer_account",
        "The Stripe emulator does not emulate Accounts v2 customers; pass `customer`.",
      );
    const customer = str(p.customer as string);
    if (!customer) throw missingParam("customer");
    ctx.em.store.get(customer, "customer", ctx.account, "customer");
    const returnUrl = str(p.return_url as string) ?? null;
    if (returnUrl) {
      try {
        new URL(returnUrl);
      } catch {
        throw invalidParam("return_url", "Not a valid URL");
      }
    }
    const configuration = str(p.configuration as string) ?? DEFAULT_PORTAL_CONFIGURATION;
    if (!configuration.startsWith("bpc_"))
      throw invalidParam("configuration", `No such configuration: '${configuration}'`, "resource_missing");
    const obo = str(p.on_behalf_of as string) ?? null;
    if (obo) ctx.em.store.get(obo, "account", PLATFORM, "on_behalf_of");
    const token = `test_${rand(48)}`;
    const s = {
      id: newId("bps"),
      object: "billing_portal.session",
      configuration,
      created: now(),
      customer,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: (str(p.locale as string) ?? null) as Stripe.BillingPortal.Session.Locale | null,
      on_behalf_of: obo,
      return_url: returnUrl,
      url: portalUrl(ctx.em, token),
      __token: token,
    } as PortalSession;
    ctx.em.store.put(s, ctx.account);
    return s;
  });
}
