// Event creation and signed, at-least-once webhook delivery with retries and test controls.
import http from "node:http";
import https from "node:https";
import { createHmac } from "node:crypto";
import type Stripe from "stripe";
import { newId, now } from "./ids.js";
import { PLATFORM, type Delivery, type Store } from "./store.js";

export const API_VERSION = "2026-10-28.endive";

export function signPayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const sig = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${sig}`;
}

export interface WebhookControls {
  duplicate: number; // next N events delivered twice
  reorder: number; // hold the next N events, then deliver them in reverse order
  drop: number; // next N events are never delivered (still listed in /v1/events)
  delayMs: number; // extra delay before the first attempt of every delivery
}

export interface DelivererOptions {
  retryScheduleMs: number[];
  deliveryTimeoutMs: number;
  envUrl: string | null;
  envSecret: string;
}

export class Webhooks {
  controls: WebhookControls = { duplicate: 0, reorder: 0, drop: 0, delayMs: 0 };
  private queue: string[] = [];
  private held: string[][] = [];
  private timers = new Map<string, NodeJS.Timeout>();
  private pumping = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private store: Store,
    public opts: DelivererOptions,
  ) {
    // resume deliveries left pending in a snapshot
    for (const d of store.data.deliveries) if (d.status === "pending") this.schedule(d, 0);
  }

  /** Create an event, store it, and enqueue deliveries. */
  emit(
    type: string,
    object: object,
    account: string,
    previous?: Record<string, unknown>,
    request?: { id: string | null; idempotency_key: string | null },
  ): Stripe.Event {
    const event = {
      id: newId("evt"),
      object: "event" as const,
      api_version: API_VERSION,
      created: now(),
      data: {
        object: JSON.parse(JSON.stringify(object, (k, x) => (k.startsWith("__") ? undefined : x))),
        ...(previous ? { previous_attributes: previous } : {}),
      },
      livemode: false,
      pending_webhooks: 0,
      request: request ?? { id: null, idempotency_key: null },
      type,
      ...(account !== PLATFORM ? { account } : {}),
    } as unknown as Stripe.Event;
    this.store.put(event, account);
    this.enqueueEvent(event, account);
    return event;
  }

  private targetsFor(event: Stripe.Event, account: string): { target: string; url: string }[] {
    const out: { target: string; url: string }[] = [];
    for (const we of this.store.all<Stripe.WebhookEndpoint>("webhook_endpoint", PLATFORM)) {
      if (we.status !== "enabled") continue;
      const connect = (we as unknown as { __connect?: boolean }).__connect === true;
      if (connect !== (account !== PLATFORM)) continue;
      if (!we.enabled_events.includes("*") && !we.enabled_events.includes(event.type)) continue;
      out.push({ target: we.id, url: we.url });
    }
    if (this.opts.envUrl) out.push({ target: "env", url: this.opts.envUrl });
    return out;
  }

  secretFor(target: string): string {
    if (target === "env") return this.opts.envSecret;
    return this.store.data.webhookSecrets[target] ?? "";
  }

  enqueueEvent(event: Stripe.Event, account: string, forceTarget?: string): Delivery[] {
    let targets = this.targetsFor(event, account);
    if (forceTarget) targets = targets.filter((t) => t.target === forceTarget);
    const created: Delivery[] = [];
    const drop = this.controls.drop > 0;
    if (drop) this.controls.drop--;
    const dup = !drop && this.controls.duplicate > 0;
    if (dup) this.controls.duplicate--;
    for (const t of targets) {
      const copies = dup ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const d: Delivery = {
          id: newId("whd"),
          event: event.id,
          type: event.type,
          target: t.target,
          url: t.url,
          status: drop ? "dropped" : "pending",
          attempts: [],
          next_attempt_at: null,
          ...(i > 0 ? { duplicate_of: created[created.length - 1].id } : {}),
        };
        this.store.data.deliveries.push(d);
        created.push(d);
      }
    }
    this.updatePending(event.id);
    const pending = created.filter((d) => d.status === "pending");
    if (pending.length === 0) return created;
    if (this.controls.reorder > 0) {
      this.held.push(pending.map((d) => d.id));
      this.controls.reorder--;
      if (this.controls.reorder === 0) this.releaseHeld();
      return created;
    }
    for (const d of pending) this.schedule(d, this.controls.delayMs);
    return created;
  }

  /** Release held (reordered) deliveries, newest event first. */
  releaseHeld(): void {
    const groups = this.held.reverse();
    this.held = [];
    for (const g of groups)
      for (const id of g) {
        const d = this.find(id);
        if (d) this.schedule(d, this.controls.delayMs);
      }
  }

  private find(id: string): Delivery | undefined {
    return this.store.data.deliveries.find((d) => d.id === id);
  }

  private updatePending(eventId: string): void {
    const ev = this.store.raw<Stripe.Event>(eventId);
    if (!ev) return;
    ev.pending_webhooks = this.store.data.deliveries.filter(
      (d) => d.event === eventId && d.status === "pending" && !d.duplicate_of,
    ).length;
  }

  private schedule(d: Delivery, delayMs: number): void {
    if (this.closed) return;
    d.next_attempt_at = Date.now() + delayMs;
    const old = this.timers.get(d.id);
    if (old) clearTimeout(old);
    if (delayMs <= 0) {
      this.queue.push(d.id);
      void this.pump();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(d.id);
      this.queue.push(d.id);
      void this.pump();
    }, delayMs);
    this.timers.set(d.id, t);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.closed) {
        const id = this.queue.shift()!;
        const d = this.find(id);
        if (!d || d.status !== "pending") continue;
        this.inFlight++;
        try {
          await this.attempt(d);
        } finally {
          this.inFlight--;
        }
      }
    } finally {
      this.pumping = false;
      this.checkIdle();
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    const event = this.store.raw<Stripe.Event>(d.event);
    if (!event) {
      d.status = "failed";
      return;
    }
    const payload = JSON.stringify(event, null, 2);
    const header = signPayload(payload, this.secretFor(d.target));
    const result = await post(d.url, payload, header, this.opts.deliveryTimeoutMs);
    d.attempts.push({ at: Date.now(), status: result.status, ...(result.error ? { error: result.error } : {}) });
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      d.status = "succeeded";
      d.next_attempt_at = null;
    } else {
      const retryIdx = d.attempts.length - 1;
      if (retryIdx < this.opts.retryScheduleMs.length) {
        this.schedule(d, this.opts.retryScheduleMs[retryIdx]);
      } else {
        d.status = "failed";
        d.next_attempt_at = null;
      }
    }
    this.updatePending(d.event);
    this.store.scheduleSave();
  }

  /** Run every scheduled retry now, then wait until nothing is queued or in flight. */
  async flush(): Promise<void> {
    for (const [id, t] of this.timers) {
      clearTimeout(t);
      this.timers.delete(id);
      this.queue.push(id);
    }
    void this.pump();
    await this.waitQueueEmpty();
  }

  private busy(): boolean {
    return this.queue.length > 0 || this.inFlight > 0 || this.pumping;
  }

  private waitQueueEmpty(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Wait until every delivery reached a final state (succeeded/failed/dropped) or timeout. Returns true if idle. */
  async waitIdle(timeoutMs = 10000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = this.busy() || this.timers.size > 0 || this.held.length > 0;
      if (!pending) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private checkIdle(): void {
    if (this.busy()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    w.forEach((f) => f());
  }

  resetState(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue = [];
    this.held = [];
    this.controls = { duplicate: 0, reorder: 0, drop: 0, delayMs: 0 };
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.checkIdle();
  }
}

function post(
  url: string,
  payload: string,
  signature: string,
  timeoutMs: number,
): Promise<{ status: number | null; error?: string }> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ status: null, error: "invalid url" });
      return;
    }
    const mod = u.protocol === "https:" ? https : http;
    const req = mod.request(
      u,
      {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "stripe-signature": signature,
          "content-length": Buffer.byteLength(payload),
        },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? null }));
        res.on("error", () => resolve({ status: res.statusCode ?? null }));
      },
    );
    req.on("timeout", () => {
      req.destroy();
      resolve({ status: null, error: "timeout" });
    });
    req.on("error", (e) => resolve({ status: null, error: e.message }));
    req.end(payload);
  });
}
