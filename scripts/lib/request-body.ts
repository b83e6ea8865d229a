// Request bodies are capped while they stream in, before anything parses them: a client that sends more than a
// route takes gets 413 at once and its connection is closed, so no body is ever held in memory beyond its limit.
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import { Transform, type Readable } from "node:stream";

const KB = 1024;
const MB = 1024 * KB;

export const BODY_LIMITS = {
  /** Stripe's events are a few kB; the largest are well under this. */
  webhook: MB,
  /** Every ordinary form and JSON body. */
  form: 64 * KB,
} as const;

export class PayloadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`This request is too large: at most ${formatLimit(limit)} is accepted here.`);
  }
}

function formatLimit(bytes: number) {
  return bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / KB)} kB`;
}

/**
 * Answers 413 without keeping any more of the body. What the client is still sending is discarded for a second (so
 * it reads the answer instead of a reset); a body still unfinished then has its connection closed.
 */
export function refuseTooLarge(req: ExpressRequest, res: ExpressResponse, limit: number) {
  if (res.headersSent) return;
  res.status(413).type("text/plain").send(new PayloadTooLarge(limit).message);
  req.resume();
  setTimeout(() => {
    if (!req.complete) req.socket.destroy();
  }, 1_000).unref();
}

/** Whether the declared length already breaks the limit (no need to read a byte). */
export function declaredTooLarge(req: ExpressRequest, limit: number) {
  const declared = Number(req.headers["content-length"] ?? 0);
  return Number.isFinite(declared) && declared > limit;
}

/** Reads the whole body, or rejects with PayloadTooLarge as soon as it passes `limit` (reading stops there). */
export function readBody(req: ExpressRequest, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
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
