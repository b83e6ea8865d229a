// Test controls under /_emulator/ (not part of Stripe's API). Bodies are JSON or form-encoded.
import type http from "node:http";
import type Stripe from "stripe";
import { parseForm } from "./form.js";
import { ApiError } from "./errors.js";
import { publicView, PLATFORM, type Emu } from "./context.js";
import {
  EMULATED_PAYMENT_METHODS,
  paySession,
  paySessionWithBankAccount,
  settleSessionPayment,
} from "./resources/checkout.js";
import { setOnboarding } from "./resources/accounts.js";
import { openDispute, closeDispute } from "./resources/disputes.js";
import { balanceOf } from "./resources/balance.js";
import { failRefund } from "./resources/refunds.js";
import { failPayout } from "./resources/balance.js";
import { sweepExpired } from "./resources/checkout.js";
import { advanceSubscriptionsFor } from "./resources/subscription-renewals.js";
import { advanceClock, resetClock, now } from "./ids.js";

export interface FaultRule {
  path: string;
  method?: string;
  count: number;
  status: number;
  mode: "status" | "hang";
}
export interface Faults {
  rules: FaultRule[];
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (!raw) return {};
  if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(raw) as Record<string, unknown>;
  return parseForm(raw) as Record<string, unknown>;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const s = JSON.stringify(body, null, 2);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(s) });
  res.end(s);
}

const num = (v: unknown, d = 0): number => (v === undefined || v === null || v === "" ? d : Number(v));

/** Who may use the controls: the emulator's own origins, and beyond loopback only holders of its secret key. */
export interface ControlAccess {
  /** True when the emulator listens on 127.0.0.1, ::1 or localhost only. */
  loopback: boolean;
  /** The key controls require (as `Authorization: Bearer …`) when not on loopback. */
  secretKey: string;
  /** Origins of the emulator's own pages, as a browser would name them. */
  ownOrigins: (req: http.IncomingMessage) => string[];
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return "null";
  }
}

/** Content types a cross-site HTML form (or a no-preflight fetch) can send. */
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

/**
 * Why a control request is refused, or null. Controls change everything (pay sessions, reset state), so a web page
 * elsewhere must not be able to drive them through the browser of someone running the emulator: a state-changing
 * request naming another origin (Origin, else Referer) is refused, and so is a browser's form post that names none.
 * Tools (tests, curl) send no Origin and stay welcome on loopback; beyond loopback every control but the health check
 * needs the emulator's secret key.
 */
export function controlRefusal(
  req: http.IncomingMessage,
  path: string,
  access: ControlAccess,
): { status: number; message: string } | null {
  const method = req.method ?? "GET";
  if (method === "GET" && (path === "/_emulator" || path === "/_emulator/health")) return null;
  if (!access.loopback) {
    const auth = String(req.headers.authorization ?? "");
    const key = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
    if (key !== access.secretKey)
      return {
        status: 401,
        message: "The emulator listens beyond loopback: its controls need its secret key (Authorization: Bearer sk_…).",
      };
  }
  // A page elsewhere can point its own host name at 127.0.0.1 (DNS rebinding) and read the controls: on loopback,
  // only loopback host names are served.
  if (access.loopback && !LOOPBACK_HOST.test(String(req.headers.host ?? "")))
    return {
      status: 403,
      message: "The emulator's controls answer only requests addressed to localhost or 127.0.0.1.",
    };
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return null;
  const own = access.ownOrigins(req);
  const origin = req.headers.origin;
  const source = origin !== undefined ? originOf(origin) : originOf(req.headers.referer);
  if (source !== null) {
    if (!own.includes(source))
      return {
        status: 403,
        message: `Cross-site request refused: emulator controls take requests from ${own[0]} or from tools, not from ${source}.`,
      };
    return null;
  }
  const type = String(req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  // Browsers send Sec-Fetch-Site (pages cannot forge it) and a Mozilla/ user agent; Node's fetch sends neither.
  const fromBrowser =
    req.headers["sec-fetch-site"] !== undefined || /^Mozilla\//.test(String(req.headers["user-agent"] ?? ""));
  if (fromBrowser && req.headers["sec-fetch-site"] !== "same-origin" && (type === "" || FORM_TYPES.includes(type)))
    return {
      status: 403,
      message:
        "Cross-site request refused: a browser form post to the emulator's controls must come from its own pages.",
    };
  return null;
}

export async function handleControl(
  em: Emu,
  faults: Faults,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  access: ControlAccess,
): Promise<void> {
  const method = req.method ?? "GET";
  const path = url.pathname.replace(/\/+$/, "");
  const refusal = controlRefusal(req, path || "/", access);
  if (refusal) {
    req.resume();
    return send(res, refusal.status, { error: { type: "invalid_request_error", message: refusal.message } });
  }
  const body = method === "POST" ? await readJson(req) : Object.fromEntries(url.searchParams);
  const wh = em.webhooks;
  let m: RegExpExecArray | null;
  try {
    if (method === "GET" && (path === "/_emulator" || path === "/_emulator/health"))
      return send(res, 200, { ok: true, url: em.url });
    if (method === "POST" && path === "/_emulator/reset") {
      wh.resetState();
      em.store.reset();
      faults.rules = [];
      em.paymentMethods = ["card"];
      resetClock();
      return send(res, 200, { ok: true });
    }
    if (path === "/_emulator/clock") {
      if (method === "POST") {
        advanceClock(num(body.advance_seconds));
        sweepExpired(em);
        advanceSubscriptionsFor(em, null, now());
      }
      return send(res, 200, { now: now() });
    }
    if (method === "GET" && path === "/_emulator/deliveries") {
      const ev = url.searchParams.get("event");
      const type = url.searchParams.get("type");
      return send(res, 200, {
        data: em.store.data.deliveries.filter((d) => (!ev || d.event === ev) && (!type || d.type === type)),
      });
    }
    if (method === "POST" && path === "/_emulator/webhooks/flush") {
      await wh.flush();
      const idle = await wh.waitIdle(num(body.timeout_ms, 10000));
      return send(res, 200, { ok: true, idle });
    }
    if (method === "POST" && path === "/_emulator/webhooks/wait-idle") {
      const idle = await wh.waitIdle(num(body.timeout_ms, 10000));
      return send(res, 200, { ok: true, idle });
    }
    if (path === "/_emulator/webhooks/controls") {
      if (method === "POST") {
        if (body.duplicate !== undefined) wh.controls.duplicate = num(body.duplicate);
        if (body.reorder !== undefined) wh.controls.reorder = num(body.reorder);
        if (body.drop !== undefined) wh.controls.drop = num(body.drop);
        if (body.delay_ms !== undefined) wh.controls.delayMs = num(body.delay_ms);
      }
      return send(res, 200, wh.controls);
    }
    if (method === "POST" && path === "/_emulator/webhooks/release") {
      wh.controls.reorder = 0;
      wh.releaseHeld();
      return send(res, 200, { ok: true });
    }
    if (method === "POST" && path === "/_emulator/webhooks/url") {
      wh.opts.envUrl = (body.url as string | undefined) || null;
      return send(res, 200, { url: wh.opts.envUrl });
    }
    if (method === "POST" && (m = /^\/_emulator\/events\/([^/]+)\/resend$/.exec(path))) {
      const ev = em.store.raw<Stripe.Event>(m[1]);
      if (!ev || ev.object !== "event")
        return send(res, 404, { error: { type: "invalid_request_error", message: `No such event: '${m[1]}'` } });
      const ds = wh.enqueueEvent(
        ev,
        em.store.ownerOf(ev.id) ?? PLATFORM,
        (body.endpoint as string | undefined) || undefined,
      );
      return send(res, 200, { data: ds });
    }
    if (path === "/_emulator/payment_methods") {
      if (method === "POST") {
        const enabled = (Array.isArray(body.enabled) ? body.enabled : [body.enabled]).map(String);
        const unknown = enabled.filter((t) => !EMULATED_PAYMENT_METHODS.includes(t));
        if (!enabled.includes("card") || unknown.length)
          throw new ApiError(400, {
            type: "invalid_request_error",
            message: `enabled must include card and only ${EMULATED_PAYMENT_METHODS.join(", ")} (got ${enabled.join(", ")}).`,
          });
        em.paymentMethods = [...new Set(enabled)];
      }
      return send(res, 200, { enabled: em.paymentMethods });
    }
    if (method === "POST" && (m = /^\/_emulator\/refunds\/([^/]+)\/fail$/.exec(path))) {
      const reason = body.failure_reason === undefined ? undefined : String(body.failure_reason);
      return send(res, 200, failRefund(em, m[1], reason));
    }
    if (method === "POST" && (m = /^\/_emulator\/payouts\/([^/]+)\/fail$/.exec(path))) {
      const code = body.failure_code === undefined ? undefined : String(body.failure_code);
      return send(res, 200, failPayout(em, m[1], code));
    }
    if (method === "POST" && (m = /^\/_emulator\/payment_intents\/([^/]+)\/settle$/.exec(path))) {
      return send(res, 200, settleSessionPayment(em, m[1]));
    }
    if (method === "POST" && (m = /^\/_emulator\/checkout\/sessions\/([^/]+)\/pay$/.exec(path))) {
      const bank = body.us_bank_account as { account_number?: unknown; routing_number?: unknown } | undefined;
      if (bank)
        return send(
          res,
          200,
          paySessionWithBankAccount(
            em,
            m[1],
            {
              accountNumber: String(bank.account_number ?? ""),
              routingNumber: bank.routing_number === undefined ? undefined : String(bank.routing_number),
            },
            { email: body.email as string | undefined, name: body.name as string | undefined },
          ),
        );
      const auth = body.authenticate === "fail" ? "failed" : body.authenticate === "approve" ? true : undefined;
      const card = String(body.card ?? "4242424242424242");
      let r = paySession(em, m[1], card, {
        email: body.email as string | undefined,
        name: body.name as string | undefined,
        authenticated: auth,
      });
      if (r.status === "requires_action" && body.authenticate === undefined)
        r = paySession(em, m[1], card, {
          email: body.email as string | undefined,
          name: body.name as string | undefined,
          authenticated: true,
        });
      return send(res, 200, r);
    }
    if (method === "POST" && (m = /^\/_emulator\/accounts\/([^/]+)\/onboard$/.exec(path))) {
      const mode = body.mode === "incomplete" ? "incomplete" : "complete";
      return send(res, 200, publicView(setOnboarding(em, m[1], mode)));
    }
    if (method === "GET" && (m = /^\/_emulator\/balance\/([^/]+)$/.exec(path))) {
      return send(res, 200, balanceOf(em, m[1] === "platform" ? PLATFORM : m[1]));
    }
    if (method === "POST" && (m = /^\/_emulator\/charges\/([^/]+)\/dispute$/.exec(path))) {
      return send(res, 200, publicView(openDispute(em, m[1], (body.reason as string | undefined) ?? "fraudulent")));
    }
    if (method === "POST" && (m = /^\/_emulator\/disputes\/([^/]+)\/close$/.exec(path))) {
      const outcome = body.outcome === "won" ? "won" : "lost";
      return send(res, 200, publicView(closeDispute(em, m[1], outcome)));
    }
    if (path === "/_emulator/faults") {
      if (method === "DELETE") {
        faults.rules = [];
        return send(res, 200, { rules: [] });
      }
      if (method === "POST") {
        const st = body.status === "hang" || body.mode === "hang" ? "hang" : "status";
        faults.rules.push({
          path: String(body.path ?? "/v1/"),
          method: body.method ? String(body.method).toUpperCase() : undefined,
          count: num(body.count, 1),
          status: num(body.status, 500) || 500,
          mode: st,
        });
      }
      return send(res, 200, { rules: faults.rules });
    }
    return send(res, 404, {
      error: { type: "invalid_request_error", message: `Unknown emulator control: ${method} ${path}` },
    });
  } catch (e) {
    if (e instanceof ApiError) return send(res, e.status, { error: e.body });
    throw e;
  }
}
