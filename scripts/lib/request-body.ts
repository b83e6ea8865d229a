// Request bodies are capped while they stream in, before anything parses them: a client that sends more than a
// route takes (app/utils/body-limits.ts) gets 413 at once, with `Connection: close`, and its connection is closed after
// the answer, so no body is ever held in memory beyond its limit; one that sends too slowly gets 408.
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { Socket } from "node:net";
import { Transform, type Readable } from "node:stream";
import { formatLimit } from "../../app/utils/body-limits.ts";

export class PayloadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`This request is too large: at most ${formatLimit(limit)} is accepted here.`);
  }
}

export class RequestTooSlow extends Error {
  constructor(readonly timeoutMs: number) {
    super(`This request took too long to arrive: its body must be sent within ${Math.round(timeoutMs / 1000)} s.`);
  }
}

/** How long a connection closed on an unfinished body still reads (and drops) what the client is sending. */
const LINGER_MS = 1_000;

/**
 * Before answering a request whose body was not read to its end (a refusal, or a route that answered without reading
 * it): such a connection cannot carry another request, so the answer says `Connection: close` and the connection
 * closes after it. (Answering `keep-alive` and hanging up later reset the client's next request on that connection.)
 * The close lingers: for a second, what the client is still sending is read and dropped, so that it reads the answer
 * instead of a reset.
 */
export function closeIfBodyUnfinished(req: ExpressRequest, res: ExpressResponse) {
  if (req.complete || res.headersSent) return;
  res.setHeader("Connection", "close");
  lingerOnClose(req);
}

function lingerOnClose(req: ExpressRequest) {
  // Node ends a `Connection: close` answer with the socket's destroySoon(), which closes at once: the bytes still
  // coming would meet a reset, often before the client has read the answer (its writes fail first). This one sends
  // the end of the stream (FIN) at once too, and closes a second later. Should Node stop calling it, the connection
  // just closes at once.
  const socket = req.socket as Socket & { destroySoon?: () => void };
  if (typeof socket.destroySoon !== "function") return;
  socket.destroySoon = () => {
    req.unpipe();
    req.resume();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once("close", () => clearTimeout(timer));
  };
}

/** Answers 413 (or 408 for a body that came too slowly) without keeping any more of the body. */
export function refuseBody(req: ExpressRequest, res: ExpressResponse, error: PayloadTooLarge | RequestTooSlow) {
  if (res.headersSent) return;
  closeIfBodyUnfinished(req, res);
  res
    .status(error instanceof PayloadTooLarge ? 413 : 408)
    .type("text/plain")
    .send(error.message);
}

/** Whether the declared length already breaks the limit (no need to read a byte). */
export function declaredTooLarge(req: ExpressRequest, limit: number) {
  const declared = Number(req.headers["content-length"] ?? 0);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Reads the whole body, or rejects as soon as it passes `limit` (PayloadTooLarge) or has not all arrived within
 * `timeoutMs` (RequestTooSlow); reading stops there.
 */
export function readBody(req: ExpressRequest, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      cleanup();
      req.pause();
      reject(new RequestTooSlow(timeoutMs));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new PayloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/**
 * The body as a stream for parsers that stream themselves (multipart uploads), failing once it passes `limit`;
 * `onTooLarge` runs first, so the caller can answer 413 before the parser sees the error.
 */
export function limitedStream(req: ExpressRequest, limit: number, onTooLarge: () => void): Readable {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limit) {
        req.unpipe(counter);
        req.pause();
        onTooLarge();
        callback(new PayloadTooLarge(limit));
        return;
      }
      callback(null, chunk);
    },
  });
  req.on("error", (error) => counter.destroy(error));
  return req.pipe(counter);
}
