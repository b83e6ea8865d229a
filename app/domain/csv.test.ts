import { describe, expect, it } from "vitest";
import { csvAmount, csvField, csvLine, csvNumber, toCsv } from "./csv.ts";

describe("csvField", () => {
  it("leaves plain text and numbers alone and writes null as empty", () => {
    expect(csvField("order.paid")).toBe("order.paid");
    expect(csvField(-250)).toBe("-250");
    expect(csvField(0)).toBe("0");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
  });
  it("writes number cells as numbers, negative ones included, never with the formula guard", () => {
    expect(csvField(-12.5)).toBe("-12.5");
    expect(csvField(csvAmount(-1250, "usd"))).toBe("-12.50");
    expect(csvField(csvAmount(-5, "eur"))).toBe("-0.05");
    expect(csvField(csvAmount(-1500, "jpy"))).toBe("-1500");
    expect(csvField(csvAmount(199_999, "usd"))).toBe("1999.99");
    expect(csvField(csvNumber("-15.00"))).toBe("-15.00");
  });
  it("refuses numbers that are not numbers rather than writing them", () => {
    expect(() => csvField(Number.NaN)).toThrow(RangeError);
    expect(() => csvField(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => csvNumber("=1+1")).toThrow(RangeError);
    expect(() => csvNumber("-1e3")).toThrow(RangeError);
    expect(() => csvField({ csvNumber: "-1,HYPERLINK(x)" })).toThrow(RangeError);
    expect(() => csvAmount(12.5, "usd")).toThrow(RangeError);
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
    expect(csvField("-12.50")).toBe("'-12.50"); // text that looks like a number is still text
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField("\r=1")).toBe(`"'\r=1"`);
    expect(csvField("-x,y")).toBe(`"'-x,y"`);
  });
});

describe("csvLine and toCsv", () => {
  it("ends a line with CRLF", () => {
    expect(csvLine(["a", 1, null, 'q"'])).toBe('a,1,,"q"""\r\n');
  });
  it("writes a document with a header and the same cells", () => {
    expect(
      toCsv(
        ["title", "net"],
        [
          ["=cmd", csvAmount(-1250, "usd")],
          ["Zine", csvAmount(900, "usd")],
        ],
      ),
    ).toBe("title,net\r\n'=cmd,-12.50\r\nZine,9.00\r\n");
  });
});
