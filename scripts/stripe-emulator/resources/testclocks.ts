// Test clocks: customers created with `test_clock` follow the clock's frozen time; advancing it
// renews, fails or cancels their subscriptions (see subscription-renewals.ts).
import type Stripe from "stripe";
import type { Router } from "../context.js";
import { newId, now } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, int, str } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";
import { advanceSubscriptionsFor } from "./subscription-renewals.js";

type Clock = Stripe.TestHelpers.TestClock;

export function register(r: Router): void {
  r.add(
    "POST",
    "/v1/test_helpers/test_clocks",
    (ctx) => {
      validate(ctx.params, { "frozen_time!": true, name: true });
      const frozen = int(ctx.params.frozen_time, "frozen_time");
      if (frozen === undefined) throw missingParam("frozen_time");
      const clock = {
        id: newId("clock"),
        object: "test_helpers.test_clock",
        created: now(),
        deletes_after: now() + 30 * 86400,
        frozen_time: frozen,
        livemode: false,
        name: str(ctx.params.name as string) ?? null,
        status: "ready",
        status_details: {},
      } as Clock;
      ctx.em.store.put(clock, ctx.account);
      ctx.em.emit("test_helpers.test_clock.created", clock, ctx.account, undefined, ctx);
      return clock;
    },
    { platformOnly: false },
  );
  r.add("GET", "/v1/test_helpers/test_clocks/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "test_helpers.test_clock", ctx.account, "test_clock");
  });
  r.add("GET", "/v1/test_helpers/test_clocks", (ctx) => {
    validate(ctx.params, LIST);
    const items = applyCreatedFilter(
      ctx.em.store.all<Clock>("test_helpers.test_clock", ctx.account),
      ctx.params.created,
    );
    return paginate(items, ctx.params as Record<string, string>, "/v1/test_helpers/test_clocks");
  });
  r.add("DELETE", "/v1/test_helpers/test_clocks/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    const clock = ctx.em.store.get<Clock>(id, "test_helpers.test_clock", ctx.account, "test_clock");
    ctx.em.store.remove(id);
    ctx.em.emit("test_helpers.test_clock.deleted", clock, ctx.account, undefined, ctx);
    return { id, object: "test_helpers.test_clock", deleted: true } satisfies Stripe.TestHelpers.DeletedTestClock;
  });
  r.add("POST", "/v1/test_helpers/test_clocks/:id/advance", (ctx, [id]) => {
    validate(ctx.params, { "frozen_time!": true });
    const clock = ctx.em.store.get<Clock>(id, "test_helpers.test_clock", ctx.account, "test_clock");
    const to = int(ctx.params.frozen_time, "frozen_time")!;
    if (to <= clock.frozen_time)
      throw invalidParam(
        "frozen_time",
        `The test clock can only be advanced forward. The current frozen_time is ${clock.frozen_time}.`,
      );
    // Stripe advances at most two billing intervals per call; the emulator advances in one go.
    const prev = { status: "ready" };
    clock.status = "advancing";
    ctx.em.store.put(clock, ctx.account);
    ctx.em.emit("test_helpers.test_clock.advancing", clock, ctx.account, prev, ctx);
    clock.frozen_time = to;
    advanceSubscriptionsFor(ctx.em, clock.id, to);
    clock.status = "ready";
    ctx.em.store.put(clock, ctx.account);
    ctx.em.emit("test_helpers.test_clock.ready", clock, ctx.account, { status: "advancing" }, ctx);
    return clock;
  });
}
