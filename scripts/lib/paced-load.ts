// An open-loop load at a steady rate, as webhooks reach an endpoint from many independent senders: request n starts at
// n / rate seconds, on a free keep-alive socket (or a new one, up to `maxSockets`), whether or not earlier ones were
// answered, and its latency runs from that planned start, so a server that falls behind shows it (no coordinated
// omission). Autocannon's `overallRate` is not that: each connection sends back to back until its share of the second
// is spent, then waits for the next second, so every second starts with a saturating burst and latency measures the
// burst. Used by `npm run bench:load` for the webhook scenarios.
import http from "node:http";

export interface PacedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  onResponse?: (status: number) => void;
}

export interface PacedResult {
  /** Requests that got no answer (connection errors) or none within the timeout. */
  errors: number;
  timeouts: number;
  /** Seconds from the first planned start to the last answer. */
  duration: number;
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
}

export async function pacedLoad(options: {
  url: string;
  rate: number;
  durationSeconds: number;
  maxSockets: number;
  timeoutMs: number;
  next: () => PacedRequest;
}): Promise<PacedResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const total = Math.round(options.rate * options.durationSeconds);
  const latencies: number[] = [];
  const statusCodeStats: Record<string, { count: number }> = {};
  let errors = 0;
  let timeouts = 0;
  let finished = 0;
  const start = performance.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const fire = (n: number) => {
    const planned = start + (n * 1000) / options.rate;
    const request = options.next();
    const finish = () => {
      if (++finished === total) resolveDone();
    };
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, ...(request.body ? { "content-length": Buffer.byteLength(request.body) } : {}) },
        agent,
        timeout: options.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - planned);
          const key = String(res.statusCode);
          (statusCodeStats[key] ??= { count: 0 }).count++;
          request.onResponse?.(res.statusCode ?? 0);
          finish();
        });
      },
    );
    req.on("timeout", () => {
      timeouts++;
      req.destroy(new Error("timeout"));
    });
    req.on("error", () => {
      errors++;
      finish();
    });
    req.end(request.body);
  };

  let sent = 0;
  const pump = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000) + 1);
    while (sent < due) fire(sent++);
    if (sent < total) setTimeout(pump, 1);
  };
  pump();
  await done;
  const duration = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! : NaN;
  return { errors, timeouts, duration, latency: { p50: at(0.5), p99: at(0.99) }, statusCodeStats };
}
