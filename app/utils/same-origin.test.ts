import { describe, expect, it } from "vitest";
import { isCrossSiteMutation } from "./same-origin.ts";

const base = { path: "/login", allowedOrigins: ["http://localhost:3000"], exemptPaths: ["/api/webhooks/stripe"] };

describe("isCrossSiteMutation", () => {
  it("lets reads through", () => {
    expect(isCrossSiteMutation({ ...base, method: "GET", origin: "https://evil.example", referer: undefined })).toBe(
      false,
    );
  });
  it("accepts same-origin posts by Origin or Referer", () => {
    expect(isCrossSiteMutation({ ...base, method: "POST", origin: "http://localhost:3000", referer: undefined })).toBe(
      false,
    );
    expect(
      isCrossSiteMutation({ ...base, method: "POST", origin: undefined, referer: "http://localhost:3000/x" }),
    ).toBe(false);
  });
  it("refuses other origins and posts with no origin at all", () => {
    expect(isCrossSiteMutation({ ...base, method: "POST", origin: "https://evil.example", referer: undefined })).toBe(
      true,
    );
    expect(isCrossSiteMutation({ ...base, method: "POST", origin: "null", referer: undefined })).toBe(true);
    expect(
      isCrossSiteMutation({ ...base, method: "POST", origin: "null", referer: "http://localhost:3000/login" }),
    ).toBe(true);
    expect(isCrossSiteMutation({ ...base, method: "DELETE", origin: undefined, referer: undefined })).toBe(true);
  });
  it("exempts the Stripe webhook, which proves itself by signature", () => {
    expect(
      isCrossSiteMutation({
        ...base,
        path: "/api/webhooks/stripe",
        method: "POST",
        origin: undefined,
        referer: undefined,
      }),
    ).toBe(false);
  });
});
