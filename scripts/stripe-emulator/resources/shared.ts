// Helpers shared by the money-movement resources (payment intents, refunds, transfers, application fees,
// disputes): an event emitter bound to the request, the account that owns a charge, and read-only routes.
import { PLATFORM, type Ctx, type Emu, type Router } from "../context.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST } from "../validate.js";

export type Emitter = (type: string, obj: object, account: string, prev?: Record<string, unknown>) => void;
export const emitter =
  (em: Emu, ctx?: Ctx): Emitter =>
  (t, o, a, p) =>
    em.emit(t, o, a, p, ctx);

export function chargeOwner(em: Emu, chId: string): string {
  return em.store.ownerOf(chId) ?? PLATFORM;
}

/** GET `path` (one `:id`): the object of `type` that the calling account owns. */
export function getter(r: Router, path: string, type: string): void {
  r.add("GET", path, (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, type, ctx.account);
  });
}

/** GET `path`: a page of the calling account's objects of `type`, filtered by equality on `filters` (or by `fn`). */
export function lister<T extends { id: string; created: number }>(
  r: Router,
  path: string,
  type: string,
  filters: string[],
  fn?: (o: T, p: Record<string, unknown>) => boolean,
): void {
  r.add("GET", path, (ctx) => {
    validate(ctx.params, { ...LIST, ...Object.fromEntries(filters.map((f) => [f, true])) });
    const items = applyCreatedFilter(
      ctx.em.store.all<T>(type, ctx.account, (o) => {
        const rec = o as unknown as Record<string, unknown>;
        for (const f of filters) if (ctx.params[f] !== undefined && !fn && rec[f] !== ctx.params[f]) return false;
        return fn ? fn(o, ctx.params) : true;
      }),
      ctx.params.created,
    );
    return paginate(items, ctx.params as Record<string, string>, path);
  });
}
