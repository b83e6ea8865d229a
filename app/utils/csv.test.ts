import { describe, expect, it } from "vitest";
import { csvField, csvLine } from "./audit-log.server.ts";

describe("csvField", () => {
  it("leaves plain text and numbers alone and writes null as empty", () => {
    expect(csvField("order.paid")).toBe("order.paid");
    expect(csvField(-250)).toBe("-250");
    expect(csvField(0)).toBe("0");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
  });
  it("quotes commas, quotes and line breaks, doubling quotes", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("one\ntwo")).toBe('"one\ntwo"');
    expect(csvField("one\r\ntwo")).toBe('"one\r\ntwo"');
  });
  it("neutralises text a spreadsheet would run as a formula", () => {
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("-x,y")).toBe(`"'-x,y"`);
  });
  it("ends a line with CRLF", () => {
    expect(csvLine(["a", 1, null, 'q"'])).toBe('a,1,,"q"""\r\n');
  });
});
