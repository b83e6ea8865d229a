import { describe, expect, it, vi } from "vitest";

describe("prepared statement names", () => {
  it("name a statement by its text alone, so two copies of the module sharing connections agree", async () => {
    const first = await import("./queue.server.ts");
    vi.resetModules();
    const second = await import("./queue.server.ts");
    expect(second).not.toBe(first);
    // The second copy names a different statement first: a counter would give it the first copy's first name.
    const b = second.preparedStatementName("SELECT 2");
    const a = first.preparedStatementName("SELECT 1");
    expect(second.preparedStatementName("SELECT 1")).toBe(a);
    expect(first.preparedStatementName("SELECT 2")).toBe(b);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(63); // PostgreSQL's identifier limit
  });
});
