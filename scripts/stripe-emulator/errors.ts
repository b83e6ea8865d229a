export type StripeErrorType =
  | "invalid_request_error"
  | "card_error"
  | "api_error"
  | "idempotency_error"
  | "authentication_error"
  | "rate_limit_error";

export interface ErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  request_log_url?: string;
  payment_intent?: unknown;
  charge?: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: ErrorBody,
    /** false for validation errors: idempotency results are not saved (as on Stripe) */
    public cacheable = true,
  ) {
    super(body.message);
  }
}

const doc = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`;

export function invalid(message: string, opts: { code?: string; param?: string; status?: number } = {}): ApiError {
  return new ApiError(opts.status ?? 400, {
    type: "invalid_request_error",
    message,
    ...(opts.code ? { code: opts.code, doc_url: doc(opts.code) } : {}),
    ...(opts.param ? { param: opts.param } : {}),
  });
}

export function missingResource(kind: string, id: string, param = "id"): ApiError {
  return new ApiError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    doc_url: doc("resource_missing"),
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

export function unknownParam(param: string): ApiError {
  return new ApiError(
    400,
    {
      type: "invalid_request_error",
      code: "parameter_unknown",
      doc_url: doc("parameter_unknown"),
      message: `Received unknown parameter: ${param}`,
      param,
    },
    false,
  );
}

export function missingParam(param: string): ApiError {
  return new ApiError(
    400,
    {
      type: "invalid_request_error",
      code: "parameter_missing",
      doc_url: doc("parameter_missing"),
      message: `Missing required param: ${param}.`,
      param,
    },
    false,
  );
}

export function invalidParam(param: string, message: string, code = "parameter_invalid"): ApiError {
  return new ApiError(400, { type: "invalid_request_error", code, message, param, doc_url: doc(code) }, false);
}

export function cardError(
  code: string,
  declineCode: string | undefined,
  message: string,
  extra: Partial<ErrorBody> = {},
): ApiError {
  return new ApiError(402, {
    type: "card_error",
    code,
    ...(declineCode ? { decline_code: declineCode } : {}),
    message,
    doc_url: doc(code),
    ...extra,
  });
}
