// One HTTP request over its own socket, for the attack tests and benchmarks: any Host header, any body, and a chunked
// body sent until the server answers (so a refused upload shows how much the server took before refusing).
import http from "node:http";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
  /** Body bytes written before the answer came. */
  sent: number;
}

export function sendRaw(options: {
  port: number;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A chunked body of `bytes` (after `head`), in `chunkBytes` pieces `delayMs` apart, stopped by the answer. */
  stream?: { bytes: number; chunkBytes?: number; delayMs?: number; head?: Buffer };
}): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    let sent = 0;
    const request = http.request(
      {
        host: "127.0.0.1",
        port: options.port,
        // A connection of its own (a refused body must not leave a half-read connection for the next request), kept
        // alive as a browser's is, so the server reads on while it answers.
        agent: false,
        method: options.method ?? "GET",
        path: options.path,
        headers: { Connection: "keep-alive", ...options.headers },
      },
      (response) => {
        answered = true;
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body,
            ms: performance.now() - started,
            sent,
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", (error) => (answered ? undefined : reject(error)));
    const stream = options.stream;
    if (!stream) return void request.end(options.body);
    const chunk = Buffer.alloc(stream.chunkBytes ?? 64 * 1024, "a");
    if (stream.head) {
      request.write(stream.head);
      sent += stream.head.length;
    }
    const pump = () => {
      while (!answered && sent < stream.bytes) {
        sent += chunk.length;
        const more = request.write(chunk);
        if (stream.delayMs) return void setTimeout(pump, stream.delayMs);
        if (!more) return void request.once("drain", pump);
      }
      if (!answered) request.end();
    };
    pump();
  });
}
