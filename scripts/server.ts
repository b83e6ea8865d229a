// The HTTP server: Express in front of the Remix request handler (the built app, or Vite's dev middleware).
// It adds what Remix does not: the same-origin check on every mutating request (CSRF), the client address for
// audit rows and the login rate limit, security headers, and static files.
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import fs from "node:fs";
import type { Server } from "node:http";
import path from "node:path";
import { isCrossSiteMutation } from "../app/utils/same-origin.ts";
import { projectRoot } from "./lib/database.ts";

/** Stripe calls the webhook from its own servers: it is authenticated by its signature, not by origin. */
const ORIGIN_CHECK_EXEMPT = ["/api/webhooks/stripe"];

export async function createAppServer(options: { port: number; host?: string; appUrl: string; dev?: boolean }) {
  const app = express();
  app.disable("x-powered-by");
  const allowedOrigins = [new URL(options.appUrl).origin];

  app.use((req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    // Requests that come straight to this process: the socket address is the client.
    req.headers["x-client-ip"] = req.socket.remoteAddress ?? "unknown";
    const origins = [...allowedOrigins, `${req.protocol}://${req.headers.host}`];
    if (
      isCrossSiteMutation({
        method: req.method,
        path: req.path,
        origin: req.headers.origin,
        referer: req.headers.referer,
        allowedOrigins: origins,
        exemptPaths: ORIGIN_CHECK_EXEMPT,
      })
    ) {
      res.status(403).type("text/plain").send("Cross-site form submission refused (CSRF protection).");
      return;
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
    app.use("/assets", express.static(path.join(projectRoot, "build/client/assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(path.join(projectRoot, "build/client"), { maxAge: "1h" }));
  }
  app.use(express.static(path.join(projectRoot, "public"), { maxAge: "1h" }));
  app.all("*", createRequestHandler({ build, mode: options.dev ? "development" : "production" }));

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host ?? "0.0.0.0", () => resolve(s));
    s.once("error", reject);
  });
  return {
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
