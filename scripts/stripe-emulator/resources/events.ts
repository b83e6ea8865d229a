// Events and webhook endpoints.
import type Stripe from "stripe";
import { PLATFORM, type Router } from "../context.js";
import { newId, now, rand } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, bool, str, metadata, type Shape } from "../validate.js";
import { invalidParam } from "../errors.js";
import { API_VERSION } from "../webhooks.js";

function typeMatches(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export function register(r: Router): void {
  r.add("GET", "/v1/events/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "event", ctx.account);
  });
  r.add("GET", "/v1/events", (ctx) => {
    validate(ctx.params, { ...LIST, type: true, types: [true], delivery_success: true });
    const p = ctx.params;
    const types = p.types as string[] | undefined;
    if (types && p.type) throw invalidParam("types", "You may only specify one of these parameters: type, types.");
    if (types && types.length > 20) throw invalidParam("types", "You may pass at most 20 types.");
    const ds = bool(p.delivery_success, "delivery_success");
    const cutoff = now() - 30 * 86400;
    let items = ctx.em.store.all<Stripe.Event>(
      "event",
      ctx.account,
      (e) =>
        e.created >= cutoff &&
        (!p.type || typeMatches(String(p.type), e.type)) &&
        (!types || types.some((t) => typeMatches(t, e.type))) &&
        (ds === undefined ||
          (ds
            ? e.pending_webhooks === 0
            : e.pending_webhooks > 0 ||
              ctx.em.store.data.deliveries.some((d) => d.event === e.id && d.status === "failed"))),
    );
    items = applyCreatedFilter(items, p.created);
    return paginate(items, p as Record<string, string>, "/v1/events");
  });

  const SHAPE: { [k: string]: Shape } = {
    url: true,
    enabled_events: [true],
    description: true,
    metadata: "map",
    connect: true,
    api_version: true,
    disabled: true,
  };
  r.add(
    "POST",
    "/v1/webhook_endpoints",
    (ctx) => {
      validate(ctx.params, { ...SHAPE, "url!": true, "enabled_events!": [true] });
      const url = String(ctx.params.url);
      try {
        new URL(url);
      } catch {
        throw invalidParam("url", "Invalid URL: must be a valid URL.");
      }
      const we = {
        id: newId("we"),
        object: "webhook_endpoint",
        api_version: str(ctx.params.api_version as string) ?? API_VERSION,
        application: null,
        created: now(),
        description: str(ctx.params.description as string) ?? null,
        enabled_events: ctx.params.enabled_events as string[],
        livemode: false,
        metadata: metadata(ctx.params.metadata),
        secret: `whsec_${rand(32)}`,
        status: "enabled",
        url,
        __connect: bool(ctx.params.connect, "connect") ?? false,
      } as Stripe.WebhookEndpoint & { __connect: boolean };
      ctx.em.store.data.webhookSecrets[we.id] = we.secret!;
      ctx.em.store.put({ ...we, secret: undefined }, PLATFORM);
      return we;
    },
    { platformOnly: true },
  );
  r.add(
    "GET",
    "/v1/webhook_endpoints",
    (ctx) => {
      validate(ctx.params, LIST);
      return paginate(
        applyCreatedFilter(ctx.em.store.all<Stripe.WebhookEndpoint>("webhook_endpoint", PLATFORM), ctx.params.created),
        ctx.params as Record<string, string>,
        "/v1/webhook_endpoints",
      );
    },
    { platformOnly: true },
  );
  r.add(
    "GET",
    "/v1/webhook_endpoints/:id",
    (ctx, [id]) => {
      validate(ctx.params, {});
      return ctx.em.store.get(id, "webhook_endpoint", PLATFORM);
    },
    { platformOnly: true },
  );
  r.add(
    "POST",
    "/v1/webhook_endpoints/:id",
    (ctx, [id]) => {
      validate(ctx.params, SHAPE);
      const we = ctx.em.store.get<Stripe.WebhookEndpoint>(id, "webhook_endpoint", PLATFORM);
      if (ctx.params.url) we.url = String(ctx.params.url);
      if (ctx.params.enabled_events) we.enabled_events = ctx.params.enabled_events as string[];
      if (ctx.params.description !== undefined) we.description = str(ctx.params.description as string) ?? null;
      if (ctx.params.metadata !== undefined) we.metadata = metadata(ctx.params.metadata, we.metadata);
      const dis = bool(ctx.params.disabled, "disabled");
      if (dis !== undefined) we.status = dis ? "disabled" : "enabled";
      ctx.em.store.put(we, PLATFORM);
      return we;
    },
    { platformOnly: true },
  );
  r.add(
    "DELETE",
    "/v1/webhook_endpoints/:id",
    (ctx, [id]) => {
      validate(ctx.params, {});
      ctx.em.store.get(id, "webhook_endpoint", PLATFORM);
      ctx.em.store.remove(id);
      return { id, object: "webhook_endpoint", deleted: true } satisfies Stripe.DeletedWebhookEndpoint;
    },
    { platformOnly: true },
  );
}
