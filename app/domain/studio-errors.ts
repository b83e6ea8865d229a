// What the creator studio (`/creator?error=<code>`) can say after a failed Stripe step. The query string carries a
// code, never the words: a link someone else crafted can't put text (or markup) on the studio page. Unknown codes
// show nothing.
export const STUDIO_ERRORS = {
  stripe_not_connected: "Finish connecting Stripe first.",
  stripe_busy: "Stripe is busy right now. Please try again in a moment.",
  stripe_unreachable: "We couldn't reach Stripe. Please try again in a moment.",
  stripe_refused: "Stripe refused this request. Please contact support if it keeps happening.",
  stripe_failed: "Something went wrong with Stripe. Please try again.",
} as const;

export type StudioErrorCode = keyof typeof STUDIO_ERRORS;

export function studioErrorMessage(code: string | null | undefined): string | null {
  return code && Object.hasOwn(STUDIO_ERRORS, code) ? STUDIO_ERRORS[code as StudioErrorCode] : null;
}

/** The code for a Stripe error (by its SDK class name, e.g. "StripeRateLimitError"). */
export function studioErrorFor(error: { type: string }): StudioErrorCode {
  switch (error.type) {
    case "StripeRateLimitError":
      return "stripe_busy";
    case "StripeConnectionError":
    case "StripeAPIError":
      return "stripe_unreachable";
    case "StripeInvalidRequestError":
    case "StripePermissionError":
      return "stripe_refused";
    default:
      return "stripe_failed";
  }
}

export function studioErrorUrl(code: StudioErrorCode) {
  return `/creator?${new URLSearchParams({ error: code })}`;
}
