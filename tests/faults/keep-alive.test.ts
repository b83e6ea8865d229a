// Fault suite: a refused request body on a keep-alive connection (issue 14, defect 9). A 413 that says
// `Connection: keep-alive` invites the client to send its next request on the same connection; if the server then
// hangs up on the unfinished body, that next request is reset. The built app runs as its own process over HTTP.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "#tests/helpers/app-server.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ databaseUrl: process.env.DATABASE_URL! });
}, 120_000);
afterAll(async () => {
  await app?.stop();
});

interface Answer {
  status: number;
  connection: string | undefined;
}

/** One request through `agent`; a body of `declaredBytes` is declared, `sentBytes` of it sent before waiting. */
function request(
  agent: http.Agent,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    declaredBytes?: number;
    sentBytes?: number;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: "127.0.0.1",
        port: app.port,
        method: options.method,
        path: options.path,
        headers: {
          ...(options.declaredBytes
            ? { "content-type": "application/json", "content-length": String(options.declaredBytes) }
            : {}),
          ...options.headers,
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => {
          // The answer came before the body was all sent: like a browser, stop sending it.
          req.end();
          resolve({ status: response.statusCode!, connection: response.headers.connection });
        });
        response.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.sentBytes) req.write(Buffer.alloc(options.sentBytes, "a"));
    else req.end();
  });
}

/** The client's next two requests on `agent`: at once, and a second later (when an unfinished body's connection was
 * closed under it before the fix). */
async function expectNextRequestsAnswered(agent: http.Agent) {
  expect((await request(agent, { method: "GET", path: "/healthz" })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await request(agent, { method: "GET", path: "/healthz" })).status).toBe(200);
}

describe("a refused body on a keep-alive connection", () => {
  it(
    "answers an oversized webhook body with 413 and Connection: close, so the client's next request is answered",
    { timeout: 30_000 },
    async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const refused = await request(agent, {
          method: "POST",
          path: "/api/webhooks/stripe",
          declaredBytes: 2 * 1024 * 1024,
          sentBytes: 64 * 1024,
        });
        expect(refused).toEqual({ status: 413, connection: "close" });
        await expectNextRequestsAnswered(agent);
      } finally {
        agent.destroy();
      }
    },
  );

  it(
    "closes the connection after a route answers without reading the upload (a redirect to log in)",
    { timeout: 30_000 },
    async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const origin = `http://localhost:${app.port}`;
      try {
        const redirected = await request(agent, {
          method: "POST",
          path: "/creator/products/new",
          headers: {
            host: `localhost:${app.port}`,
            origin,
            "content-type": "multipart/form-data; boundary=xyz",
          },
          declaredBytes: 2 * 1024 * 1024,
          sentBytes: 64 * 1024,
        });
        expect(redirected.status).toBeGreaterThanOrEqual(300);
        expect(redirected.status).toBeLessThan(400);
        expect(redirected.connection).toBe("close");
        await expectNextRequestsAnswered(agent);
      } finally {
        agent.destroy();
      }
    },
  );
});
