// Shared emulator context used by resources, pages and controls.
import type { FormObject } from "./form.js";
import { Store, PLATFORM } from "./store.js";
import { Webhooks } from "./webhooks.js";
import type { FeeTable } from "./money.js";
import { DEFAULT_BILLING, type BillingOptions } from "./resources/invoices.js";

export interface Ctx {
  em: Emu;
  account: string; // PLATFORM or acct_...
  params: FormObject;
  requestId: string | null;
  idempotencyKey: string | null;
  method: string;
  path: string;
}

export type Handler = (ctx: Ctx, m: string[]) => unknown;

export interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
  platformOnly?: boolean;
}

export class Router {
  routes: Route[] = [];
  add(method: string, path: string, handler: Handler, opts: { platformOnly?: boolean } = {}): void {
    const re = new RegExp("^" + path.replace(/:[a-z_]+/g, "([^/]+)") + "$");
    this.routes.push({ method, re, handler, ...opts });
  }
  match(method: string, path: string): { route: Route; m: string[] } | { methodMismatch: true } | null {
    let mismatch = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        mismatch = true;
        continue;
      }
      return { route: r, m: m.slice(1).map(decodeURIComponent) };
    }
    return mismatch ? { methodMismatch: true } : null;
  }
}

export class Emu {
  url = "";
  billing: BillingOptions = { ...DEFAULT_BILLING };
  /** Payment method types Checkout offers when a session names none (the Dashboard's setting; cards by default). */
  paymentMethods: string[] = ["card"];
  constructor(
    public store: Store,
    public webhooks: Webhooks,
    public feeTable: FeeTable,
  ) {}
  emit(type: string, obj: object, account: string, previous?: Record<string, unknown>, ctx?: Ctx): void {
    this.webhooks.emit(
      type,
      obj,
      account,
      previous,
      ctx ? { id: ctx.requestId, idempotency_key: ctx.idempotencyKey } : undefined,
    );
  }
}

export { PLATFORM };

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Strip internal `__` fields before objects leave the emulator. */
export function publicView<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x) => (k.startsWith("__") ? undefined : x))) as T;
}
