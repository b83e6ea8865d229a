import { describe, expect, it } from "vitest";
import { classifySearch, orderSearchSchema } from "./staff-orders.server.ts";

describe("classifySearch", () => {
  it.each([
    ["pi_3AbC123", { kind: "payment_intent", value: "pi_3AbC123" }],
    [" ch_1xyz ", { kind: "charge", value: "ch_1xyz" }],
    ["py_9", { kind: "charge", value: "py_9" }],
    ["cs_test_a1", { kind: "checkout_session", value: "cs_test_a1" }],
    ["#123", { kind: "number", value: 123 }],
    ["123", { kind: "number", value: 123 }],
    ["Ada@Example.com", { kind: "email", value: "ada@example.com" }],
    ["aurora prints", { kind: "text", value: "aurora prints" }],
    ["pi", { kind: "text", value: "pi" }],
    ["12345678901", { kind: "text", value: "12345678901" }],
    ["@example.com", { kind: "text", value: "@example.com" }],
  ])("%s", (query, expected) => {
    expect(classifySearch(query)).toEqual(expected);
  });
});

describe("orderSearchSchema", () => {
  it("treats empty fields as absent and defaults the page", () => {
    expect(orderSearchSchema.parse({ q: "", status: "", from: "", to: "", creator: "" })).toEqual({ page: 1 });
  });
  it("refuses an end date before the start date, a made-up date and an unknown status", () => {
    const inverted = orderSearchSchema.safeParse({ from: "2026-03-02", to: "2026-03-01" });
    expect(inverted.success).toBe(false);
    expect(inverted.error?.flatten().fieldErrors.to?.[0]).toMatch(/end date is before the start date/);
    expect(orderSearchSchema.safeParse({ from: "2026-13-45" }).success).toBe(false);
    expect(orderSearchSchema.safeParse({ status: "paid" }).success).toBe(false);
    expect(orderSearchSchema.safeParse({ from: "2026-03-01", to: "2026-03-01" }).success).toBe(true);
  });
});
