// In-memory state of the emulator, with optional JSON snapshot persistence.
import fs from "node:fs";
import path from "node:path";
import { missingResource, invalidParam } from "./errors.js";

export const PLATFORM = "platform";

export interface AccountLinkRecord {
  token: string;
  account: string;
  type: string;
  refresh_url: string;
  return_url: string;
  created: number;
  expires_at: number;
  visited: boolean;
  used: boolean;
}
export interface LoginLinkRecord {
  token: string;
  account: string;
  created: number;
}
export interface PendingAuth {
  session: string;
  card: string;
  email: string;
  name: string;
}

export interface Delivery {
  id: string;
  event: string;
  type: string;
  target: string; // endpoint id or "env"
  url: string;
  status: "pending" | "succeeded" | "failed" | "dropped";
  attempts: { at: number; status: number | null; error?: string }[];
  next_attempt_at: number | null; // ms epoch
  duplicate_of?: string;
}

export interface StateData {
  objects: Record<string, Record<string, unknown>>;
  owners: Record<string, string>;
  seq: Record<string, number>;
  nextSeq: number;
  idempotency: Record<string, { hash: string; status: number; body: string; created: number; requestId: string }>;
  lineItems: Record<string, string[]>; // session id -> line item ids
  accountLinks: Record<string, AccountLinkRecord>;
  loginLinks: Record<string, LoginLinkRecord>;
  webhookSecrets: Record<string, string>;
  pendingAuth: Record<string, PendingAuth>;
  deliveries: Delivery[];
}

export function emptyState(): StateData {
  return {
    objects: {},
    owners: {},
    seq: {},
    nextSeq: 1,
    idempotency: {},
    lineItems: {},
    accountLinks: {},
    loginLinks: {},
    webhookSecrets: {},
    pendingAuth: {},
    deliveries: [],
  };
}

const KIND_NAMES: Record<string, string> = {
  "checkout.session": "checkout.session",
  charge: "charge",
  payment_intent: "payment_intent",
  account: "account",
  customer: "customer",
  product: "product",
  price: "price",
  refund: "refund",
  transfer: "transfer",
  application_fee: "application fee",
  balance_transaction: "balance transaction",
  dispute: "dispute",
  event: "event",
  webhook_endpoint: "webhook endpoint",
  payout: "payout",
  subscription: "subscription",
  invoice: "invoice",
  invoiceitem: "invoiceitem",
  "billing_portal.session": "portal session",
  "test_helpers.test_clock": "test clock",
};

export class Store {
  data: StateData = emptyState();
  private saveTimer: NodeJS.Timeout | null = null;
  constructor(private snapshotFile: string | null) {
    if (snapshotFile && fs.existsSync(snapshotFile)) {
      try {
        this.data = { ...emptyState(), ...JSON.parse(fs.readFileSync(snapshotFile, "utf8")) };
      } catch {
        this.data = emptyState();
      }
    }
  }

  reset(): void {
    this.data = emptyState();
    this.scheduleSave();
  }

  put<T extends object>(obj: T, owner: string): T {
    const o = obj as unknown as Record<string, unknown>;
    const id = o.id as string;
    if (!(id in this.data.seq)) this.data.seq[id] = this.data.nextSeq++;
    this.data.objects[id] = o;
    this.data.owners[id] = owner;
    this.scheduleSave();
    return obj;
  }

  remove(id: string): void {
    delete this.data.objects[id];
    delete this.data.owners[id];
    delete this.data.seq[id];
    this.scheduleSave();
  }

  /** Raw lookup without scope checks. */
  raw<T>(id: string): T | undefined {
    return this.data.objects[id] as T | undefined;
  }
  ownerOf(id: string): string | undefined {
    return this.data.owners[id];
  }

  /** Lookup scoped to an account, 404 in Stripe's words when absent. */
  get<T>(id: string, objectType: string, owner: string, param = "id"): T {
    const o = this.data.objects[id];
    if (!o || o.object !== objectType || this.data.owners[id] !== owner) {
      throw missingResource(KIND_NAMES[objectType] ?? objectType, id, param);
    }
    return o as T;
  }

  all<T>(objectType: string, owner: string | null, filter?: (o: T) => boolean): T[] {
    const out: T[] = [];
    for (const [id, o] of Object.entries(this.data.objects)) {
      if (o.object !== objectType) continue;
      if (owner !== null && this.data.owners[id] !== owner) continue;
      if (filter && !filter(o as T)) continue;
      out.push(o as T);
    }
    // newest first
    out.sort((a, b) => {
      const ca = (a as { created?: number }).created ?? 0;
      const cb = (b as { created?: number }).created ?? 0;
      if (cb !== ca) return cb - ca;
      return this.data.seq[(b as { id: string }).id] - this.data.seq[(a as { id: string }).id];
    });
    return out;
  }

  scheduleSave(): void {
    if (!this.snapshotFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.saveNow();
    }, 50);
  }

  saveNow(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    if (!this.snapshotFile) return;
    fs.mkdirSync(path.dirname(this.snapshotFile), { recursive: true });
    const tmp = this.snapshotFile + ".tmp";
    fs.writeFileSync(tmp, JSON.stringify(this.data));
    fs.renameSync(tmp, this.snapshotFile);
  }
}

export interface ListParams {
  limit?: string;
  starting_after?: string;
  ending_before?: string;
  created?: unknown;
}

export function applyCreatedFilter<T extends { created: number }>(
  items: T[],
  created: unknown,
  param = "created",
): T[] {
  if (created === undefined) return items;
  if (typeof created === "string") {
    const v = Number(created);
    if (!Number.isInteger(v)) throw invalidParam(param, `Invalid integer: ${created}`, "parameter_invalid_integer");
    return items.filter((i) => i.created === v);
  }
  const c = created as Record<string, string>;
  return items.filter((i) => {
    if (c.gt !== undefined && !(i.created > Number(c.gt))) return false;
    if (c.gte !== undefined && !(i.created >= Number(c.gte))) return false;
    if (c.lt !== undefined && !(i.created < Number(c.lt))) return false;
    if (c.lte !== undefined && !(i.created <= Number(c.lte))) return false;
    return true;
  });
}

export interface ApiList<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

/** Paginate a newest-first list like Stripe. */
export function paginate<T extends { id: string }>(items: T[], params: ListParams, url: string): ApiList<T> {
  let limit = 10;
  if (params.limit !== undefined) {
    limit = Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw invalidParam("limit", "This value must be greater than or equal to 1 and less than or equal to 100.");
  }
  if (params.starting_after && params.ending_before)
    throw invalidParam("ending_before", "You may only specify one of these parameters: ending_before, starting_after.");
  if (params.starting_after) {
    const idx = items.findIndex((i) => i.id === params.starting_after);
    if (idx < 0) throw missingResource("object", params.starting_after, "starting_after");
    const rest = items.slice(idx + 1);
    return { object: "list", data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (params.ending_before) {
    const idx = items.findIndex((i) => i.id === params.ending_before);
    if (idx < 0) throw missingResource("object", params.ending_before, "ending_before");
    const before = items.slice(0, idx);
    const start = Math.max(0, before.length - limit);
    return { object: "list", data: before.slice(start), has_more: start > 0, url };
  }
  return { object: "list", data: items.slice(0, limit), has_more: items.length > limit, url };
}
