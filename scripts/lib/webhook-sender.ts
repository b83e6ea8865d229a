// A webhook sender that behaves like Stripe's: it POSTs each planned delivery once at a steady rate, and a delivery
// that is not acknowledged (a connection refused or reset, a timeout, any status other than 2xx) is sent again with
// back-off, re-signed, until the app acknowledges it or the sender gives up on it. Records, per delivery, every
// attempt's status. Used by `npm run bench:chaos`.
import http from "node:http";
import { signBody, type PlannedDelivery } from "./signed-events.ts";

export interface DeliveryOutcome {
  index: number;
  eventId: string;
  attempts: number;
  acknowledged: boolean;
  /** The app answered `duplicate: true` (it had the event already). */
  duplicate: boolean;
  /** Each attempt's HTTP status, or the error code for one that got no answer (ECONNREFUSED, ECONNRESET, timeout). */
  results: (number | string)[];
}

export interface SenderProgress {
  /** Deliveries whose first attempt has started. */
  started: number;
  acknowledged: number;
  /** Deliveries waiting for a retry or with an attempt in flight, after at least one failed attempt. */
  retrying: number;
  inFlight: number;
  attempts: number;
  failedAttempts: number;
}

export interface SenderOptions {
  /** The webhook URL, e.g. http://127.0.0.1:3000/api/webhooks/stripe. */
  url: string;
  plan: PlannedDelivery[];
  /** First attempts per second. */
  rate: number;
  /** The endpoint's webhook secret (retries are signed again, with a fresh timestamp). */
  secret: string;
  /** Concurrent connections at most (default 64); more requests wait for one. */
  maxSockets?: number;
  /** An attempt without an answer after this long is abandoned and retried (default 10 s). */
  attemptTimeoutMs?: number;
  /** Back-off before the n-th retry; the last value repeats (default 250 ms doubling to 4 s), ±20 % jitter. */
  retryDelaysMs?: number[];
  /** Stop retrying a delivery this long after its first attempt (default 180 s). Stripe tries for three days. */
  giveUpAfterMs?: number;
}

const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

export function startSender(options: SenderOptions) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const target = new URL(options.url);
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const giveUpAfterMs = options.giveUpAfterMs ?? 180_000;
  const outcomes: DeliveryOutcome[] = options.plan.map((d) => ({
    index: d.index,
    eventId: d.eventId,
    attempts: 0,
    acknowledged: false,
    duplicate: false,
    results: [],
  }));
  const progress: SenderProgress = {
    started: 0,
    acknowledged: 0,
    retrying: 0,
    inFlight: 0,
    attempts: 0,
    failedAttempts: 0,
  };
  let finished = 0;
  let resolveDone!: (outcomes: DeliveryOutcome[]) => void;
  const done = new Promise<DeliveryOutcome[]>((resolve) => (resolveDone = resolve));
  const timers = new Set<NodeJS.Timeout>();

  function post(body: string, signature: string): Promise<{ status: number | string; duplicate: boolean }> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: { status: number | string; duplicate: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json; charset=utf-8",
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "stripe-signature": signature,
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () =>
            finish({ status: res.statusCode ?? "no-status", duplicate: text.includes('"duplicate"') }),
          );
          res.on("error", (error) =>
            finish({ status: (error as NodeJS.ErrnoException).code ?? "ERESPONSE", duplicate: false }),
          );
        },
      );
      const timer = setTimeout(() => {
        finish({ status: "timeout", duplicate: false });
        req.destroy();
      }, attemptTimeoutMs);
      req.on("error", (error) =>
        finish({ status: (error as NodeJS.ErrnoException).code ?? "EREQUEST", duplicate: false }),
      );
      req.end(body);
    });
  }

  async function attempt(delivery: PlannedDelivery, firstAt: number) {
    const outcome = outcomes[delivery.index]!;
    // The first attempt carries the plan's signature (so a duplicate is byte-for-byte its original); retries a fresh one.
    const signature = outcome.attempts === 0 ? delivery.signature : signBody(delivery.body, options.secret);
    outcome.attempts++;
    progress.attempts++;
    progress.inFlight++;
    const { status, duplicate } = await post(delivery.body, signature);
    progress.inFlight--;
    outcome.results.push(status);
    const wasRetrying = outcome.attempts > 1;
    if (typeof status === "number" && status >= 200 && status < 300) {
      outcome.acknowledged = true;
      outcome.duplicate = duplicate;
      progress.acknowledged++;
      if (wasRetrying) progress.retrying--;
      settle();
      return;
    }
    progress.failedAttempts++;
    if (!wasRetrying) progress.retrying++;
    if (performance.now() - firstAt > giveUpAfterMs) {
      progress.retrying--;
      settle();
      return;
    }
    const base = delays[Math.min(outcome.attempts - 1, delays.length - 1)]!;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        void attempt(delivery, firstAt);
      },
      Math.round(base * (0.8 + Math.random() * 0.4)),
    );
    timers.add(timer);
  }

  function settle() {
    finished++;
    if (finished === options.plan.length) {
      agent.destroy();
      resolveDone(outcomes);
    }
  }

  // First attempts at the rate: each tick starts every delivery due by now.
  const t0 = performance.now();
  const ticker = setInterval(() => {
    const due = Math.min(options.plan.length, Math.floor(((performance.now() - t0) * options.rate) / 1000) + 1);
    while (progress.started < due) {
      const delivery = options.plan[progress.started++]!;
      void attempt(delivery, performance.now());
    }
    if (progress.started >= options.plan.length) clearInterval(ticker);
  }, 2);
  if (options.plan.length === 0) {
    clearInterval(ticker);
    resolveDone(outcomes);
  }

  return {
    progress: () => ({ ...progress }),
    done,
    /** Abandons everything still pending (on failure elsewhere). */
    stop() {
      clearInterval(ticker);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      agent.destroy();
    },
  };
}
