// The one error type for a refusal people should read: the domain throws it with a code, a message and an HTTP
// status; routes turn it into their response with `domainErrorResponse` (error-responses.server.ts). Anything else
// thrown is a bug or an outage and reaches the error boundary as a 500.

export type DomainErrorCode =
  // Shared
  | "not_found"
  | "forbidden"
  | "stripe"
  // An event names something we have not recorded yet (a refund before its order): retried later, never dropped.
  | "not_recorded_yet"
  // Checkout
  | "unpublished"
  | "creator_cannot_charge"
  | "already_owned"
  | "own_product"
  // A delayed (bank) payment for this product is still processing: no second Checkout meanwhile.
  | "payment_processing"
  // Products and uploads
  | "slug_taken"
  | "kind_locked"
  | "not_publishable"
  | "upload_rejected"
  | "upload_too_large"
  // Refunds and refund requests
  | "amount_invalid"
  | "amount_above_remainder"
  | "disputed"
  | "not_paid"
  | "stale"
  | "balance_short"
  | "already_refunded"
  | "already_requested"
  | "already_handled"
  // Disputes
  | "not_lost"
  | "no_transfer"
  | "already_recovered"
  // Accounts
  | "email_taken"
  | "invalid_input"
  | "bad_credentials"
  | "rate_limited"
  | "busy"
  // A password-reset link that is unknown, used or past its hour.
  | "link_expired"
  // Email: staff retried a message that is already delivered.
  | "already_sent";

export interface DomainErrorOptions {
  /** The HTTP status a route answers with (409 unless given: the request conflicts with how things are). */
  status?: number;
  /** The form field the message belongs to; none means the whole form. */
  field?: string;
  /** Messages per form field, when several fields are wrong at once. */
  fieldErrors?: Record<string, string>;
}

export class DomainError extends Error {
  readonly status: number;
  readonly field: string | undefined;
  readonly fieldErrors: Record<string, string>;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message);
    this.name = "DomainError";
    this.status = options.status ?? 409;
    this.field = options.field;
    this.fieldErrors = options.fieldErrors ?? {};
  }
}

/** Whether `error` is a DomainError (with one of `codes`, when any are given). */
export function isDomainError(error: unknown, ...codes: DomainErrorCode[]): error is DomainError {
  return error instanceof DomainError && (codes.length === 0 || codes.includes(error.code));
}
