// CSRF protection, part two (part one is the SameSite=Lax session cookie): a mutating request must come from our own
// origin. Browsers send `Origin` on every cross-site POST; when it is absent we fall back to `Referer`.
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether a request changes something and so must come from our own origin (the Stripe webhook proves itself). */
export function needsOriginCheck(options: { method: string; path: string; exemptPaths: string[] }) {
  if (SAFE_METHODS.has(options.method.toUpperCase())) return false;
  return !options.exemptPaths.some((p) => options.path === p || options.path.startsWith(`${p}/`));
}

export function isCrossSiteMutation(options: {
  method: string;
  path: string;
  origin: string | undefined;
  referer: string | undefined;
  allowedOrigins: string[];
  exemptPaths: string[];
}): boolean {
  if (!needsOriginCheck(options)) return false;
  // `Origin: null` comes from sandboxed frames, data: URLs and privacy redirects: never our own page, whatever the
  // Referer says (and Remix's own check would throw on it).
  if (options.origin === "null") return true;
  const source = options.origin ? options.origin : originOf(options.referer);
  if (!source) return true;
  return !options.allowedOrigins.includes(source);
}

function originOf(url: string | undefined) {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
