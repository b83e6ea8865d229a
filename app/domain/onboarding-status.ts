// How a creator's Stripe onboarding status reads to them (shared by server and browser code).
import type { OnboardingStatus } from "#app/generated/prisma/enums.ts";

export const STATUS_WORDS: Record<
  OnboardingStatus,
  { label: string; tone: "slate" | "amber" | "sky" | "emerald" | "red"; text: string }
> = {
  NOT_STARTED: {
    label: "Not started",
    tone: "slate",
    text: "Connect a Stripe account to get paid and publish products.",
  },
  DETAILS_NEEDED: {
    label: "Details needed",
    tone: "amber",
    text: "Stripe needs a few more details before you can get paid.",
  },
  UNDER_REVIEW: {
    label: "Under review",
    tone: "sky",
    text: "Stripe is reviewing your details. This usually takes a few minutes.",
  },
  ACTIVE: { label: "Active", tone: "emerald", text: "You can sell and receive payouts." },
  RESTRICTED: {
    label: "Restricted",
    tone: "red",
    text: "Stripe has paused payments on your account. Your products can't be bought until this is fixed.",
  },
};
