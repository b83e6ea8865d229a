// Stripe emulator HTTP server: `startStripeEmulator()` is the public entry point.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { parseForm, canonical, type FormObject } from "./form.js";
import { ApiError, type ErrorBody } from "./errors.js";
import { Store, PLATFORM } from "./store.js";
import { Webhooks, API_VERSION } from "./webhooks.js";
import { Emu, Router, publicView, type Ctx } from "./context.js";
import { applyExpand } from "./expand.js";
import { DEFAULT_FEE_TABLE } from "./money.js";
import { rand, now } from "./ids.js";
import * as accounts from "./resources/accounts.js";
import * as balance from "./resources/balance.js";
import * as catalog from "./resources/catalog.js";
import * as checkout from "./resources/checkout.js";
import * as paymentIntents from "./resources/payment-intents.js";
import * as refunds from "./resources/refunds.js";
import * as transfers from "./resources/transfers.js";
import * as applicationFees from "./resources/application-fees.js";
import * as disputes from "./resources/disputes.js";
import * as events from "./resources/events.js";
import * as subscriptions from "./resources/subscriptions.js";
import * as invoiceApi from "./resources/invoice-api.js";
import * as testclocks from "./resources/testclocks.js";
import * as portal from "./resources/portal.js";
import { DEFAULT_BILLING } from "./resources/invoices.js";
import { handleControl, isLoopbackHost, type ControlAccess, type Faults } from "./controls.js";
import { handlePage } from "./pages/index.js";

export interface StripeEmulatorOptions {
  port?: number; // 0 = random free port; default 12111 in the CLI
  host?: string; // default "127.0.0.1"
  secretKey?: string; // if set, only this key is accepted; else any sk_test_… key
  webhookUrl?: string; // zero-setup delivery target (all events, incl. Connect events)
  webhookSecret?: string; // whsec_… used for webhookUrl deliveries; default a fixed "whsec_emulator_local_default"
  snapshotFile?: string | null; // persist state; null/undefined = in memory only
  retryScheduleMs?: number[]; // webhook retry back-off, e.g. [100, 500, 2000]
  deliveryTimeoutMs?: number;
  feeTable?: Record<string, { percentBps: number; fixed: number }>; // per currency processing fee, default usd 290bps + 30
  dunningRetryDays?: number[]; // failed renewal retries, in days after the first failed attempt; default [3, 5, 7]
  dunningFinalAction?: "cancel" | "unpaid"; // when the last retry fails; default "cancel"
}
export interface StripeEmulator {
  url: string; // e.g. http://127.0.0.1:12111
  port: number;
  secretKey: string; // a key that works, e.g. "sk_test_emulator" when none was fixed
  publishableKey: string; // "pk_test_emulator"
  webhookSecret: string;
  setWebhookUrl(url: string | null): void;
  close(): Promise<void>;
}

export const DEFAULT_WEBHOOK_SECRET = "whsec_emulator_local_default";
export const DEFAULT_RETRY_SCHEDULE_MS = [1000, 5000, 30000, 120000];
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

function buildRouter(): Router {
  const r = new Router();
  accounts.register(r);
  balance.register(r);
  catalog.register(r);
  checkout.register(r);
  paymentIntents.register(r);
  refunds.register(r);
  transfers.register(r);
  applicationFees.register(r);
  disputes.register(r);
  events.register(r);
  subscriptions.register(r);
  invoiceApi.register(r);
  testclocks.register(r);
  portal.register(r);
  return r;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function errorJson(e: ErrorBody, requestId: string): string {
  return JSON.stringify(
    { error: { ...e, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } },
    null,
    2,
  );
}

export async function startStripeEmulator(opts: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const store = new Store(opts.snapshotFile ?? null);
  const webhookSecret = opts.webhookSecret ?? DEFAULT_WEBHOOK_SECRET;
  const webhooks = new Webhooks(store, {
    retryScheduleMs: opts.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS,
    deliveryTimeoutMs: opts.deliveryTimeoutMs ?? 10000,
    envUrl: opts.webhookUrl ?? null,
    envSecret: webhookSecret,
  });
  const em = new Emu(store, webhooks, { ...DEFAULT_FEE_TABLE, ...(opts.feeTable ?? {}) });
  em.billing = {
    retryDays: opts.dunningRetryDays ?? DEFAULT_BILLING.retryDays,
    finalAction: opts.dunningFinalAction ?? DEFAULT_BILLING.finalAction,
  };
  const router = buildRouter();
  const faults: Faults = { rules: [] };
  const hanging = new Set<http.ServerResponse>();

  function pruneIdempotency(): void {
    const cutoff = now() * 1000 - IDEMPOTENCY_TTL_MS;
    for (const [k, v] of Object.entries(store.data.idempotency))
      if (v.created < cutoff) delete store.data.idempotency[k];
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const requestId = `req_${rand(14)}`;
    const version = (req.headers["stripe-version"] as string | undefined) ?? API_VERSION;
    const baseHeaders: Record<string, string> = {
      "request-id": requestId,
      "stripe-version": version,
      "access-control-allow-origin": "*",
    };
    const fail = (status: number, e: ErrorBody, extra: Record<string, string> = {}) =>
      sendJson(res, status, errorJson(e, requestId), { ...baseHeaders, ...extra });

    // auth
    const auth = (req.headers.authorization ?? "") as string;
    let key = "";
    if (auth.startsWith("Bearer ")) key = auth.slice(7).trim();
    else if (auth.startsWith("Basic ")) key = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":")[0];
    if (!key)
      return fail(401, {
        type: "invalid_request_error",
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      });
    const ok = opts.secretKey ? key === opts.secretKey : /^(sk|rk)_test_\S+$/.test(key);
    if (!ok)
      return fail(401, {
        type: "invalid_request_error",
        code: "api_key_invalid" as string,
        message: `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
      });

    // fault injection
    const method = req.method ?? "GET";
    const fault = faults.rules.find(
      (f) => f.count > 0 && url.pathname.startsWith(f.path) && (!f.method || f.method === method),
    );
    if (fault) {
      fault.count--;
      if (fault.mode === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return; // never answer
      }
      if (fault.status === 429)
        return fail(
          429,
          {
            type: "invalid_request_error",
            code: "rate_limit",
            message:
              "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
          },
          { "stripe-should-retry": "false" },
        );
      return fail(fault.status, {
        type: "api_error",
        message: "An unknown error occurred (injected by the Stripe emulator).",
      });
    }

    const body = method === "POST" ? await readBody(req) : "";
    let params: FormObject;
    try {
      params = { ...parseForm(url.search.slice(1)), ...parseForm(body) };
    } catch {
      return fail(400, { type: "invalid_request_error", message: "Invalid request body." });
    }
    let account = PLATFORM;
    const acctHeader = req.headers["stripe-account"] as string | undefined;
    if (acctHeader) {
      const a = store.raw<{ object: string }>(acctHeader);
      if (!a || a.object !== "account")
        return fail(403, {
          type: "invalid_request_error",
          code: "account_invalid",
          message: `The provided key '${key.slice(0, 8)}****${key.slice(-4)}' does not have access to account '${acctHeader}' (or that account does not exist). Application access may have been revoked.`,
        });
      account = acctHeader;
    }
    const idemKey = method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;
    const pathname = url.pathname.replace(/\/+$/, "");
    const idemStoreKey = idemKey ? `${account}|${method}|${pathname}|${idemKey}` : null;
    const hash = createHash("sha256").update(canonical(params)).digest("hex");
    if (idemStoreKey) {
      if (idemKey!.length > 255)
        return fail(400, {
          type: "invalid_request_error",
          message: "Idempotency key is too long (maximum 255 characters).",
          param: "Idempotency-Key",
        });
      const prev = store.data.idempotency[idemStoreKey];
      if (prev && now() * 1000 - prev.created < IDEMPOTENCY_TTL_MS) {
        if (prev.hash !== hash)
          return fail(400, {
            type: "idempotency_error",
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          });
        return sendJson(res, prev.status, prev.body, {
          ...baseHeaders,
          "idempotent-replayed": "true",
          "original-request": prev.requestId,
          "idempotency-key": idemKey!,
        });
      }
    }
    const match = router.match(method, pathname);
    if (!match || "methodMismatch" in match) {
      return fail(404, {
        type: "invalid_request_error",
        message: `Unrecognized request URL (${method}: ${pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      });
    }
    const ctx: Ctx = { em, account, params, requestId, idempotencyKey: idemKey, method, path: pathname };
    let status = 200;
    let out: string;
    let cacheable = true;
    try {
      const result = match.route.handler(ctx, match.m);
      const view = applyExpand(publicView(result), params.expand, em);
      out = JSON.stringify(view, null, 2);
    } catch (e) {
      if (e instanceof ApiError) {
        status = e.status;
        cacheable = e.cacheable;
        out = errorJson(e.body, requestId);
      } else {
        console.error("[stripe-emulator] internal error", e);
        status = 500;
        out = errorJson({ type: "api_error", message: "An unknown error occurred in the Stripe emulator." }, requestId);
      }
    }
    if (idemStoreKey && cacheable && status !== 401 && status !== 429) {
      store.data.idempotency[idemStoreKey] = { hash, status, body: out, created: now() * 1000, requestId };
      pruneIdempotency();
    }
    if (method !== "GET") store.scheduleSave();
    sendJson(res, status, out, { ...baseHeaders, ...(idemKey ? { "idempotency-key": idemKey } : {}) });
  }

  const host = opts.host ?? "127.0.0.1";
  const loopback = isLoopbackHost(host);
  // Beyond loopback the controls need the secret key; without a fixed one, a random key (printed by the CLI) rather
  // than the well-known default. The API still takes any sk_test_… key unless one is fixed.
  const secretKey = opts.secretKey ?? (loopback ? "sk_test_emulator" : `sk_test_${rand(32)}`);
  const wildcard = host === "0.0.0.0" || host === "::";
  const access: ControlAccess = {
    loopback,
    secretKey,
    ownOrigins: (req) => {
      const port = (server.address() as AddressInfo | null)?.port;
      const origins = [em.url, `http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`];
      // On every interface the machine's own names are unknown: the Host a request was sent to is this server.
      if (wildcard && req.headers.host) origins.push(`http://${req.headers.host}`);
      return origins;
    },
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const run = async () => {
      if (url.pathname.startsWith("/v1/")) return handleApi(req, res, url);
      if (url.pathname.startsWith("/_emulator")) return handleControl(em, faults, req, res, url, access);
      return handlePage(em, req, res, url);
    };
    run().catch((e) => {
      console.error("[stripe-emulator]", e);
      if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: { type: "api_error", message: String(e) } }));
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 12111, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  em.url = url;
  // hosted-page URLs of objects restored from a snapshot follow the current origin
  for (const s of store.all<{ id: string; url: string | null; status: string }>("checkout.session", null)) {
    if (s.status === "open") s.url = `${url}/c/pay/${s.id}`;
  }
  for (const inv of store.all<{ id: string; hosted_invoice_url: string | null }>("invoice", null)) {
    if (inv.hosted_invoice_url) inv.hosted_invoice_url = `${url}/invoices/${inv.id}`;
  }
  for (const ps of store.all<{ url: string; __token: string }>("billing_portal.session", null))
    ps.url = `${url}/p/session/${ps.__token}`;
  return {
    url,
    port,
    secretKey,
    publishableKey: "pk_test_emulator",
    webhookSecret,
    setWebhookUrl(u: string | null) {
      webhooks.opts.envUrl = u;
    },
    async close() {
      webhooks.close();
      for (const r of hanging) r.destroy();
      store.saveNow();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
