// The HTTP server: Express in front of the Remix request handler (the built app, or Vite's dev middleware).
// It adds what Remix does not, before any route runs:
// - the client address (the socket's, or the one a trusted proxy reports: TRUST_PROXY) for audit rows and limits;
// - security headers with helmet, including a nonce-based Content-Security-Policy for Remix's inline scripts;
// - the same-origin check on every mutating request (CSRF), against APP_URL only — never against the Host header;
// - request bodies capped while they stream (webhook 1 MB, forms 64 kB, the product form by its upload limits);
// - deadlines, so a client that sends slowly cannot hold a connection (headers, bodies, the upload).
import {
  createReadableStreamFromReadable,
  createRequestHandler,
  type ServerBuild,
  writeReadableStreamToWritable,
} from "@remix-run/node";
import express, { type Request as ExpressRequest, type Response as ExpressResponse } from "express";
import helmet from "helmet";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { MAX_PRODUCT_FORM_BYTES } from "../app/domain/uploads.server.ts";
import { env } from "../app/utils/env.server.ts";
import { isCrossSiteMutation, needsOriginCheck } from "../app/utils/same-origin.ts";
import { projectRoot } from "./lib/database.ts";
import { BODY_LIMITS } from "../app/utils/body-limits.ts";
import {
  closeIfBodyUnfinished,
  declaredTooLarge,
  limitedStream,
  PayloadTooLarge,
  readBody,
  refuseBody,
  RequestTooSlow,
} from "./lib/request-body.ts";

const WEBHOOK_PATH = "/api/webhooks/stripe";
/** Stripe calls the webhook from its own servers: it is authenticated by its signature, not by origin. */
// Unsubscribe links prove themselves too (a signed token): mail clients POST to them from nowhere (RFC 8058).
const ORIGIN_CHECK_EXEMPT = [WEBHOOK_PATH, "/unsubscribe"];
/** The product form (new and edit, and Remix's `.data` submissions of them) is the one multipart upload. */
const PRODUCT_FORM_PATH = /^\/creator\/products\/[^/]+(\.data)?$/;
/** Where forms may lead the browser: our pages, and Stripe's hosted Checkout, billing portal and Connect pages. */
const STRIPE_PAGES = ["https://checkout.stripe.com", "https://billing.stripe.com", "https://connect.stripe.com"];

/** How a route's body is taken: read whole within a small limit, or streamed (the upload) through a byte counter. */
function bodyRuleFor(req: ExpressRequest): { limit: number; stream: boolean } {
  if (req.path === WEBHOOK_PATH) return { limit: BODY_LIMITS.webhook, stream: false };
  if (PRODUCT_FORM_PATH.test(req.path) && req.is("multipart/form-data"))
    return { limit: MAX_PRODUCT_FORM_BYTES, stream: true };
  return { limit: BODY_LIMITS.form, stream: false };
}

export async function createAppServer(options: { port: number; host?: string; appUrl: string; dev?: boolean }) {
  const config = env();
  const production = config.NODE_ENV === "production";
  const publicUrl = new URL(options.appUrl);
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.TRUST_PROXY);
  const trusted = app.get("trust proxy fn") as (address: string | undefined, hop: number) => boolean;

  app.use((req, res, next) => {
    res.locals.cspNonce = crypto.randomBytes(16).toString("base64");
    next();
  });
  const stripeOrigins = config.STRIPE_API_BASE ? [new URL(config.STRIPE_API_BASE).origin] : [];
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        // In development Vite injects its own scripts and a websocket: report, don't block.
        reportOnly: Boolean(options.dev),
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as ExpressResponse).locals.cspNonce}'`],
          // A message of the development inbox shows its HTML in a sandboxed srcdoc frame, which inherits this
          // policy: email HTML is styled inline, so the inbox's pages (development only) allow inline styles. The list
          // too: Remix moves from it to a message without loading a new document (and policy).
          styleSrc: [
            "'self'",
            (req) =>
              !production && /^\/dev\/inbox(\/|$)/.test((req as ExpressRequest).path) ? "'unsafe-inline'" : "'self'",
          ],
          imgSrc: ["'self'", "data:"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'", ...(options.dev ? ["ws:"] : [])],
          formAction: ["'self'", ...STRIPE_PAGES, ...stripeOrigins],
          frameAncestors: ["'none'"],
          frameSrc: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          ...(production ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: production ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true } : false,
      referrerPolicy: { policy: "strict-origin-when-cross-origin" },
      crossOriginEmbedderPolicy: false,
      frameguard: { action: "deny" },
    }),
  );

  app.use((req, res, next) => {
    // The client: the socket's address, or with TRUST_PROXY the one the trusted proxies report. Whatever the
    // client sent in this header itself is overwritten.
    req.headers["x-client-ip"] = req.ip ?? req.socket.remoteAddress ?? "unknown";
    if (needsOriginCheck({ method: req.method, path: req.path, exemptPaths: ORIGIN_CHECK_EXEMPT })) {
      const forwardedHost = trusted(req.socket.remoteAddress, 0)
        ? req.get("x-forwarded-host")?.split(",")[0]?.trim()
        : undefined;
      const host = forwardedHost || req.get("host");
      if (host !== publicUrl.host) {
        res
          .status(403)
          .type("text/plain")
          .send(`This form was sent to another address than ${publicUrl.host}; refused.`);
        return;
      }
      const crossSite = isCrossSiteMutation({
        method: req.method,
        path: req.path,
        origin: req.headers.origin,
        referer: req.headers.referer,
        allowedOrigins: [publicUrl.origin],
        exemptPaths: ORIGIN_CHECK_EXEMPT,
      });
      if (crossSite) {
        res.status(403).type("text/plain").send("Cross-site form submission refused (CSRF protection).");
        return;
      }
    }
    next();
  });

  let build: ServerBuild | (() => Promise<ServerBuild>);
  if (options.dev) {
    const vite = await import("vite");
    const viteServer = await vite.createServer({ server: { middlewareMode: true }, root: projectRoot });
    app.use(viteServer.middlewares);
    build = () => viteServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>;
  } else {
    const serverBuild = path.join(projectRoot, "build/server/index.js");
    if (!fs.existsSync(serverBuild)) throw new Error("No build found: run `npm run build` first.");
    build = (await import(serverBuild)) as ServerBuild;
    app.use(
      "/assets",
      express.static(path.join(projectRoot, "build/client/assets"), { immutable: true, maxAge: "1y" }),
    );
    app.use(express.static(path.join(projectRoot, "build/client"), { maxAge: "1h" }));
  }
  app.use(express.static(path.join(projectRoot, "public"), { maxAge: "1h" }));

  const handle = createRequestHandler(build, options.dev ? "development" : "production");
  if (typeof build !== "function") answerWebhookDirectly(app, build, config.REQUEST_TIMEOUT_MS);
  app.all("*", async (req, res, next) => {
    try {
      const request = await remixRequest(req, res, publicUrl, config.REQUEST_TIMEOUT_MS);
      if (!request) return;
      const response = await handle(request, { cspNonce: res.locals.cspNonce });
      // An upload that grew past its limit was already answered with 413.
      if (res.headersSent) return;
      res.statusMessage = response.statusText;
      res.status(response.status);
      // A route's own header replaces the server's default (a route may set its own CSP); cookies add up.
      for (const [key, value] of response.headers.entries())
        if (key === "set-cookie") res.append(key, value);
        else res.setHeader(key, value);
      // A route that answered without reading the whole body (a redirect to the login page, say).
      closeIfBodyUnfinished(req, res);
      if (response.body) await writeReadableStreamToWritable(response.body, res);
      else res.end();
    } catch (error) {
      next(error);
    }
  });

  const server = http.createServer(
    {
      // The longest any request may take (the upload's); ordinary bodies have their own, shorter deadline below.
      requestTimeout: Math.max(config.UPLOAD_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      // How often those timeouts are checked (Node's default, 30 s, would let a short timeout run long).
      connectionsCheckingInterval: Math.min(1_000, config.HEADERS_TIMEOUT_MS),
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return {
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type ReceiveWebhook = (
  rawBody: string,
  signature: string | null,
  from: { address: string },
) => Promise<{ status: number; body: unknown }>;

/**
 * Stripe's webhook, answered without Remix: it is the one route that takes bursts (thousands of events a second), and
 * it needs only the raw body, the signature and the client's address, where Remix would match routes and build Fetch
 * objects for each request. The build's entry exports the handler, so it runs on the app's own modules (its database
 * pool and queue). The Remix route (app/routes/api+/webhooks.stripe.ts) stays for development, where the build reloads.
 */
function answerWebhookDirectly(app: express.Express, build: ServerBuild, bodyTimeoutMs: number) {
  const receiveWebhook = (build.entry.module as { receiveWebhook?: ReceiveWebhook }).receiveWebhook;
  if (!receiveWebhook) throw new Error("The server build's entry does not export receiveWebhook.");
  const limit = BODY_LIMITS.webhook;
  app.post(WEBHOOK_PATH, async (req, res) => {
    if (declaredTooLarge(req, limit)) return refuseBody(req, res, new PayloadTooLarge(limit));
    try {
      const body = await readBody(req, limit, bodyTimeoutMs);
      const outcome = await receiveWebhook(body.toString("utf8"), req.get("stripe-signature") ?? null, {
        address: String(req.headers["x-client-ip"] ?? "unknown"),
      });
      res.status(outcome.status).json(outcome.body);
    } catch (error) {
      if (error instanceof PayloadTooLarge || error instanceof RequestTooSlow) return refuseBody(req, res, error);
      // The event was not stored (the database away, say): Stripe delivers it again.
      console.error(`[webhook] ${(error as Error)?.stack ?? error}`);
      if (!res.headersSent) res.status(500).json({ error: "Unexpected Server Error" });
    }
  });
}

/**
 * The Fetch API request Remix gets. Its URL is on the public origin (APP_URL), whatever Host the client sent, and
 * its body was read within the route's limit — or, for the product form's upload, streams through a byte counter.
 * Returns null when a 413 was already sent.
 */
async function remixRequest(
  req: ExpressRequest,
  res: ExpressResponse,
  publicUrl: URL,
  bodyTimeoutMs: number,
): Promise<Request | null> {
  if (!req.originalUrl.startsWith("/")) {
    res.status(400).type("text/plain").send("Bad request target.");
    return null;
  }
  const url = new URL(`${publicUrl.origin}${req.originalUrl}`);
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(key, item);
    else if (value !== undefined) headers.set(key, value);
  }
  // Remix compares Origin with these; the same-origin check above already held Origin against APP_URL.
  headers.set("host", publicUrl.host);
  headers.delete("x-forwarded-host");
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    const { limit, stream } = bodyRuleFor(req);
    if (declaredTooLarge(req, limit)) {
      refuseBody(req, res, new PayloadTooLarge(limit));
      return null;
    }
    if (stream) {
      const tooLarge = () => {
        refuseBody(req, res, new PayloadTooLarge(limit));
        controller.abort(); // the route's parse fails; an aborted request is not logged as an error
      };
      init.body = createReadableStreamFromReadable(limitedStream(req, limit, tooLarge));
    } else {
      try {
        init.body = new Uint8Array(await readBody(req, limit, bodyTimeoutMs));
      } catch (error) {
        if (!(error instanceof PayloadTooLarge || error instanceof RequestTooSlow)) throw error;
        refuseBody(req, res, error);
        return null;
      }
    }
    init.duplex = "half";
  }
  return new Request(url, init);
}
