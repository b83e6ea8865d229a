// Connect accounts, account links, login links.
import type Stripe from "stripe";
import { PLATFORM, publicView, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now, rand } from "../ids.js";
import { applyCreatedFilter, paginate, type AccountLinkRecord } from "../store.js";
import { validate, LIST, str, metadata } from "../validate.js";
import { invalidParam, missingParam, ApiError } from "../errors.js";

export const ACCOUNT_LINK_TTL_S = 300;
const DUE = [
  "business_profile.url",
  "external_account",
  "individual.dob.day",
  "individual.first_name",
  "individual.last_name",
  "tos_acceptance.date",
];

type AccountParams = Record<string, unknown>;

const ACCOUNT_SHAPE = {
  type: true,
  controller: "any",
  country: true,
  email: true,
  capabilities: "any",
  business_type: true,
  business_profile: "any",
  metadata: "map",
  default_currency: true,
  settings: "any",
  individual: "any",
  company: "any",
  tos_acceptance: "any",
  external_account: "any",
} as const;

function capabilityStatus(acct: Stripe.Account, status: "active" | "inactive" | "pending"): void {
  const caps = (acct.capabilities ?? {}) as Record<string, string>;
  for (const k of Object.keys(caps)) caps[k] = status;
  acct.capabilities = caps as Stripe.Account.Capabilities;
}

export function createAccount(ctx: Ctx): Stripe.Account {
  validate(ctx.params, { ...ACCOUNT_SHAPE });
  const p = ctx.params as AccountParams;
  const ctrl = (p.controller ?? {}) as Record<string, Record<string, string> | string>;
  const dash = (ctrl.stripe_dashboard as Record<string, string> | undefined)?.type;
  const type = (str(p.type as string) ??
    (dash === "express"
      ? "express"
      : dash === "none"
        ? "custom"
        : dash === "full"
          ? "standard"
          : "express")) as Stripe.Account.Type;
  if (!["express", "standard", "custom"].includes(type))
    throw invalidParam("type", `Invalid type: must be one of custom, express, or standard`);
  if (type === "custom" && !p.capabilities) throw missingParam("capabilities");
  const caps: Record<string, string> = {};
  for (const [k, v] of Object.entries((p.capabilities ?? {}) as Record<string, Record<string, string>>)) {
    if (v.requested === "true") caps[k] = "inactive";
  }
  const acct: Stripe.Account = {
    id: newId("acct"),
    object: "account",
    business_profile: {
      mcc: null,
      name: null,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    } as Stripe.Account.BusinessProfile,
    business_type: (str(p.business_type as string) ?? null) as Stripe.Account.BusinessType | null,
    capabilities: caps as Stripe.Account.Capabilities,
    charges_enabled: false,
    controller: {
      type: "application",
      is_controller: true,
      stripe_dashboard: { type: type === "express" ? "express" : type === "custom" ? "none" : "full" },
      requirement_collection: type === "custom" ? "application" : "stripe",
      fees: { payer: type === "standard" ? "account" : "application" },
      losses: { payments: type === "standard" ? "stripe" : "application" },
    } as Stripe.Account.Controller,
    country: str(p.country as string) ?? "US",
    created: now(),
    default_currency: (str(p.default_currency as string) ?? "usd").toLowerCase(),
    details_submitted: false,
    email: str(p.email as string) ?? null,
    metadata: metadata(ctx.params.metadata),
    payouts_enabled: false,
    requirements: requirements([...DUE], "requirements.past_due"),
    type,
  };
  ctx.em.store.put(acct, PLATFORM);
  return acct;
}

function requirements(due: string[], reason: string | null): Stripe.Account.Requirements {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: (due.length ? reason : null) as Stripe.Account.Requirements.DisabledReason | null,
    errors: [],
    eventually_due: due,
    past_due: due.length ? [...due] : [],
    pending_verification: [],
  };
}

function snapshot(a: Stripe.Account) {
  return {
    charges_enabled: a.charges_enabled,
    payouts_enabled: a.payouts_enabled,
    details_submitted: a.details_submitted,
    capabilities: { ...(a.capabilities ?? {}) },
    requirements: JSON.parse(JSON.stringify(a.requirements ?? null)),
  };
}

/** Apply onboarding outcome and emit account.updated if anything changed. */
export function setOnboarding(em: Emu, id: string, mode: "complete" | "incomplete", ctx?: Ctx): Stripe.Account {
  const acct = em.store.get<Stripe.Account>(id, "account", PLATFORM, "account");
  const before = snapshot(acct);
  if (mode === "complete") {
    acct.details_submitted = true;
    acct.charges_enabled = true;
    acct.payouts_enabled = true;
    acct.requirements = requirements([], null);
    capabilityStatus(acct, "active");
  } else {
    acct.details_submitted = true;
    acct.charges_enabled = false;
    acct.payouts_enabled = false;
    acct.requirements = requirements(["external_account", "individual.id_number"], "requirements.past_due");
    capabilityStatus(acct, "inactive");
  }
  emitIfChanged(em, acct, before, ctx);
  em.store.scheduleSave();
  return acct;
}

function emitIfChanged(em: Emu, acct: Stripe.Account, before: ReturnType<typeof snapshot>, ctx?: Ctx): void {
  const after = snapshot(acct);
  const prev: Record<string, unknown> = {};
  for (const k of Object.keys(before) as (keyof typeof before)[]) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k];
  }
  if (Object.keys(prev).length) em.emit("account.updated", acct, acct.id, prev, ctx);
}

export function register(r: Router): void {
  r.add("POST", "/v1/accounts", (ctx) => createAccount(ctx), { platformOnly: true });
  r.add(
    "GET",
    "/v1/accounts",
    (ctx) => {
      validate(ctx.params, LIST);
      const items = applyCreatedFilter(
        ctx.em.store.all<Stripe.Account & { created: number }>("account", PLATFORM),
        ctx.params.created,
      );
      return paginate(items, ctx.params as Record<string, string>, "/v1/accounts");
    },
    { platformOnly: true },
  );
  r.add("GET", "/v1/account", (ctx) => {
    validate(ctx.params, {});
    if (ctx.account === PLATFORM) return platformAccount();
    return ctx.em.store.get(ctx.account, "account", PLATFORM);
  });
  r.add("GET", "/v1/accounts/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "account", PLATFORM, "account");
  });
  r.add(
    "POST",
    "/v1/accounts/:id",
    (ctx, [id]) => {
      validate(ctx.params, ACCOUNT_SHAPE);
      const acct = ctx.em.store.get<Stripe.Account>(id, "account", PLATFORM, "account");
      const p = ctx.params as AccountParams;
      if (p.type !== undefined) throw invalidParam("type", "You cannot change `type` of an account.");
      const before = snapshot(acct);
      const prev: Record<string, unknown> = {};
      if (p.email !== undefined) {
        prev.email = acct.email;
        acct.email = str(p.email as string) ?? null;
      }
      if (p.metadata !== undefined) {
        prev.metadata = acct.metadata;
        acct.metadata = metadata(ctx.params.metadata, acct.metadata ?? {});
      }
      if (p.business_type !== undefined) acct.business_type = p.business_type as Stripe.Account.BusinessType;
      if (p.default_currency !== undefined) acct.default_currency = String(p.default_currency);
      if (p.capabilities) {
        const caps = (acct.capabilities ?? {}) as Record<string, string>;
        for (const [k, v] of Object.entries(p.capabilities as Record<string, Record<string, string>>)) {
          if (v.requested === "true" && !caps[k]) caps[k] = acct.charges_enabled ? "active" : "inactive";
          if (v.requested === "false") delete caps[k];
        }
        acct.capabilities = caps as Stripe.Account.Capabilities;
      }
      ctx.em.store.put(acct, PLATFORM);
      const after = snapshot(acct);
      const changed = JSON.stringify(before) !== JSON.stringify(after) || Object.keys(prev).length > 0;
      if (changed) ctx.em.emit("account.updated", acct, acct.id, { ...prev }, ctx);
      return acct;
    },
    { platformOnly: true },
  );
  r.add(
    "DELETE",
    "/v1/accounts/:id",
    (ctx, [id]) => {
      validate(ctx.params, {});
      ctx.em.store.get<Stripe.Account>(id, "account", PLATFORM, "account");
      ctx.em.store.remove(id);
      return { id, object: "account", deleted: true } satisfies Stripe.DeletedAccount;
    },
    { platformOnly: true },
  );

  r.add(
    "POST",
    "/v1/account_links",
    (ctx) => {
      validate(ctx.params, {
        "account!": true,
        "type!": true,
        refresh_url: true,
        return_url: true,
        collect: true,
        collection_options: "any",
      });
      const p = ctx.params as Record<string, string>;
      ctx.em.store.get(p.account, "account", PLATFORM, "account");
      if (p.type !== "account_onboarding" && p.type !== "account_update")
        throw invalidParam("type", "Invalid type: must be one of account_onboarding or account_update");
      if (!p.refresh_url) throw missingParam("refresh_url");
      if (!p.return_url) throw missingParam("return_url");
      const token = rand(32);
      const created = now();
      const rec: AccountLinkRecord = {
        token,
        account: p.account,
        type: p.type,
        refresh_url: p.refresh_url,
        return_url: p.return_url,
        created,
        expires_at: created + ACCOUNT_LINK_TTL_S,
        visited: false,
        used: false,
      };
      ctx.em.store.data.accountLinks[token] = rec;
      ctx.em.store.scheduleSave();
      const link: Stripe.AccountLink = {
        object: "account_link",
        created,
        expires_at: rec.expires_at,
        url: `${ctx.em.url}/setup/e/${p.account}/${token}`,
      };
      return link;
    },
    { platformOnly: true },
  );

  r.add(
    "POST",
    "/v1/accounts/:id/login_links",
    (ctx, [id]) => {
      validate(ctx.params, {});
      const acct = ctx.em.store.get<Stripe.Account>(id, "account", PLATFORM, "account");
      if (acct.type !== "express")
        throw invalidParam("account", "Cannot create a login link for an account that is not an Express account.");
      if (!acct.details_submitted)
        throw new ApiError(400, {
          type: "invalid_request_error",
          message: "Cannot create a login link for an account that has not completed onboarding.",
          param: "account",
        });
      const token = rand(32);
      ctx.em.store.data.loginLinks[token] = { token, account: id, created: now() };
      ctx.em.store.scheduleSave();
      const link: Stripe.LoginLink = {
        object: "login_link",
        created: now(),
        url: `${ctx.em.url}/express/${id}/${token}`,
      };
      return link;
    },
    { platformOnly: true },
  );
}

function platformAccount(): Stripe.Account {
  return publicView({
    id: "acct_emulator_platform",
    object: "account",
    charges_enabled: true,
    details_submitted: true,
    email: "platform@example.com",
    payouts_enabled: true,
    type: "standard",
    country: "US",
    default_currency: "usd",
    created: 0,
    metadata: {},
  } as Stripe.Account);
}
