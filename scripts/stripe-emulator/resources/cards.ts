// Test cards: what each card number does when charged, and the card details shown on a charge.
import type Stripe from "stripe";

export interface CardOutcome {
  kind: "success" | "decline" | "authenticate" | "invalid";
  code?: string;
  decline_code?: string;
  message?: string;
  dispute?: boolean;
  /** Refunds of this card's charges succeed, then fail (`refund.failed`), as Stripe's 4000 0000 0000 5126 does. */
  refundFails?: boolean;
}

export function luhn(num: string): boolean {
  let sum = 0;
  for (let i = 0; i < num.length; i++) {
    let d = Number(num[num.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return num.length >= 12 && sum % 10 === 0;
}

export const TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": { kind: "success" },
  "5555555555554444": { kind: "success" },
  "4000000000000077": { kind: "success" },
  "4000000000000002": {
    kind: "decline",
    code: "card_declined",
    decline_code: "generic_decline",
    message: "Your card was declined.",
  },
  "4000000000009995": {
    kind: "decline",
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
  "4000000000009987": {
    kind: "decline",
    code: "card_declined",
    decline_code: "lost_card",
    message: "Your card was declined.",
  },
  "4000000000000069": {
    kind: "decline",
    code: "expired_card",
    decline_code: "expired_card",
    message: "Your card has expired.",
  },
  "4000000000000127": {
    kind: "decline",
    code: "incorrect_cvc",
    decline_code: "incorrect_cvc",
    message: "Your card's security code is incorrect.",
  },
  "4000002500003155": { kind: "authenticate" },
  "4000002760003184": { kind: "authenticate" },
  "4000000000000259": { kind: "success", dispute: true },
  "4000000000005126": { kind: "success", refundFails: true },
  // attaches to a customer (subscription trials) but every charge is declined
  "4000000000000341": {
    kind: "decline",
    code: "card_declined",
    decline_code: "generic_decline",
    message: "Your card was declined.",
  },
};

export function cardOutcome(raw: string): CardOutcome {
  const num = raw.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(num) || !luhn(num))
    return { kind: "invalid", code: "incorrect_number", message: "Your card number is incorrect." };
  return TEST_CARDS[num] ?? { kind: "success" };
}

/** Whether a charge was paid with a test card whose refunds fail after succeeding (told by its fingerprint). */
export function refundsFailLater(charge: Stripe.Charge): boolean {
  const fingerprint = charge.payment_method_details?.card?.fingerprint;
  return Object.entries(TEST_CARDS).some(
    ([num, outcome]) => outcome.refundFails && fingerprint === "emu" + num.slice(-8),
  );
}

function brandOf(num: string): string {
  if (num.startsWith("4")) return "visa";
  if (/^5[1-5]/.test(num) || /^2[2-7]/.test(num)) return "mastercard";
  if (/^3[47]/.test(num)) return "amex";
  return "unknown";
}

export function pmDetails(num: string): Stripe.Charge.PaymentMethodDetails {
  return {
    type: "card",
    card: {
      amount_authorized: null,
      authorization_code: null,
      brand: brandOf(num),
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      exp_month: 12,
      exp_year: new Date().getFullYear() + 3,
      extended_authorization: { status: "disabled" },
      fingerprint: "emu" + num.slice(-8),
      funding: "credit",
      installments: null,
      last4: num.slice(-4),
      mandate: null,
      network: brandOf(num),
      network_token: { used: false },
      network_transaction_id: null,
      regulated_status: "unregulated",
      three_d_secure: null,
      wallet: null,
    },
  } as unknown as Stripe.Charge.PaymentMethodDetails;
}
