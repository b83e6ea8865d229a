// The subscriptions API: retrieve, list, update, resume and cancel.
import type { Router } from "../context.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, str } from "../validate.js";
import { invalidParam } from "../errors.js";
import { timeFor } from "./invoices.js";
import { cancelNow, details, type Subscription } from "./subscription-state.js";
import { resumeSubscription, updateSubscription } from "./subscription-updates.js";

export function register(r: Router): void {
  r.add("GET", "/v1/subscriptions/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "subscription", ctx.account);
  });
  r.add("GET", "/v1/subscriptions", (ctx) => {
    validate(ctx.params, {
      ...LIST,
      customer: true,
      status: true,
      price: true,
      test_clock: true,
      collection_method: true,
      current_period_end: "any",
      current_period_start: "any",
      automatic_tax: "any",
    });
    const p = ctx.params;
    const status = str(p.status as string);
    const items = applyCreatedFilter(
      ctx.em.store.all<Subscription>(
        "subscription",
        ctx.account,
        (s) =>
          (!p.customer || s.customer === p.customer) &&
          (!p.test_clock || s.test_clock === p.test_clock) &&
          (!p.price || s.items.data.some((i) => i.price.id === p.price)) &&
          (status === "all" ? true : status ? s.status === status : s.status !== "canceled"),
      ),
      p.created,
    );
    return paginate(items, p as Record<string, string>, "/v1/subscriptions");
  });
  r.add("POST", "/v1/subscriptions/:id", (ctx, [id]) => {
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account);
    const u = updateSubscription(ctx.em, ctx.account, sub, ctx.params, ctx);
    u.after();
    return u.sub;
  });
  r.add("POST", "/v1/subscriptions/:id/resume", (ctx, [id]) => {
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account, "subscription");
    const u = resumeSubscription(ctx.em, ctx.account, sub, ctx.params, ctx);
    u.after();
    return u.sub;
  });
  r.add("DELETE", "/v1/subscriptions/:id", (ctx, [id]) => {
    validate(ctx.params, { cancellation_details: { comment: true, feedback: true }, invoice_now: true, prorate: true });
    const sub = ctx.em.store.get<Subscription>(id, "subscription", ctx.account);
    if (sub.status === "canceled")
      throw invalidParam("id", `No such subscription: '${id}' is already canceled.`, "resource_missing");
    const cd = ctx.params.cancellation_details as Record<string, string> | undefined;
    if (cd)
      sub.cancellation_details = details(sub.cancellation_details, { comment: cd.comment, feedback: cd.feedback });
    const t = timeFor(ctx.em, sub.customer as string);
    sub.canceled_at = t;
    cancelNow(ctx.em, ctx.account, sub, t, "cancellation_requested", ctx);
    return sub;
  });
}
