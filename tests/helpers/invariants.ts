// The invariants every fault scenario ends by checking (scripts/lib/invariants.ts lists them): none may fail.
import { expect } from "vitest";
import { marketplaceViolations } from "../../scripts/lib/invariants.ts";
import { emulatorClient } from "./stripe.ts";

export async function expectMarketplaceInvariants(
  stripeUrl: string,
  secretKey: string,
  /** `allowNoOrders`: for a caller where nothing is bought; otherwise an empty database fails (nothing was checked). */
  options: { allowNoOrders?: boolean } = {},
) {
  const violations = await marketplaceViolations(emulatorClient(stripeUrl, secretKey), options);
  expect(violations, "marketplace invariants").toEqual([]);
}
