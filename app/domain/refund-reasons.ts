// Why staff refund (shared by server and browser code).
export const REFUND_REASONS = {
  requested_by_customer: "Requested by the buyer",
  duplicate: "Duplicate purchase",
  fraudulent: "Fraudulent payment",
  other: "Other",
} as const;
export type RefundReason = keyof typeof REFUND_REASONS;

export function isRefundReason(value: string | null | undefined): value is RefundReason {
  return typeof value === "string" && Object.hasOwn(REFUND_REASONS, value);
}
