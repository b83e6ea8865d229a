// How much a request body may hold, by kind. The HTTP server (scripts/server.ts) enforces these while bodies stream
// in; routes that read a body themselves (the Stripe webhook) hold to the same numbers.
const KB = 1024;
const MB = 1024 * KB;

export const BODY_LIMITS = {
  /** Stripe's events are a few kB; the largest are well under this. */
  webhook: MB,
  /** Every ordinary form and JSON body. */
  form: 64 * KB,
} as const;

/** "1 MB", "64 kB": a limit for people. */
export function formatLimit(bytes: number) {
  return bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / KB)} kB`;
}
