// `expand[]` support: replaces id strings with the objects they name.
import type { Emu } from "./context.js";
import { publicView } from "./context.js";
import { invalidParam } from "./errors.js";

type Obj = Record<string, unknown>;

function expandOne(node: unknown, segs: string[], em: Emu, full: string, depth: number): unknown {
  if (segs.length === 0 || node === null || node === undefined) return node;
  if (Array.isArray(node)) return node.map((n) => expandOne(n, segs, em, full, depth));
  if (typeof node !== "object") return node;
  const o = node as Obj;
  const [f, ...rest] = segs;
  let v = o[f];
  if (f === "line_items" && o.object === "checkout.session" && v === undefined) {
    const ids = em.store.data.lineItems[o.id as string] ?? [];
    const data = ids.map((id) => publicView(em.store.raw(id)));
    v = { object: "list", data, has_more: false, url: `/v1/checkout/sessions/${o.id}/line_items` };
  } else if (typeof v === "string") {
    const target = em.store.raw<Obj>(v);
    if (target) v = publicView(target);
    else return o;
  } else if (v === undefined && !(f in o)) {
    throw invalidParam("expand", `This property cannot be expanded (${full}).`);
  }
  o[f] = expandOne(v, rest, em, full, depth + 1);
  return o;
}

export function applyExpand(body: unknown, expand: unknown, em: Emu): unknown {
  if (!expand) return body;
  const list = Array.isArray(expand) ? expand : [expand];
  for (const e of list) {
    if (typeof e !== "string") continue;
    const segs = e.split(".");
    if (segs.length > 4) throw invalidParam("expand", "You cannot expand more than 4 levels of a property.");
    expandOne(body, segs, em, e, 0);
  }
  return body;
}
