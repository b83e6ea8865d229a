import { describe, expect, it } from "vitest";
import { formatBytes } from "#app/utils/format.ts";
import { cleanFileName, detectType } from "./uploads.server.ts";

const bytes = (...values: (number | string)[]) =>
  Buffer.concat(values.map((v) => (typeof v === "string" ? Buffer.from(v, "latin1") : Buffer.from([v]))));

describe("detectType", () => {
  it.each([
    [bytes(0x89, "PNG\r\n\x1a\n", 0, 0), "png"],
    [bytes(0xff, 0xd8, 0xff, 0xe0), "jpg"],
    [bytes("GIF89a", 1, 0), "gif"],
    [bytes("RIFF", 0, 0, 0, 0, "WEBPVP8 "), "webp"],
  ])("recognises a cover by its first bytes whatever its name (%#)", (head, ext) => {
    expect(detectType("cover", "whatever.txt", head)).toMatchObject({ ext });
  });

  it("refuses a cover that isn't an image, even named .png", () => {
    expect(detectType("cover", "cover.png", bytes("<svg onload=alert(1)>"))).toHaveProperty("error");
    expect(detectType("cover", "cover.png", bytes("RIFF", 0, 0, 0, 0, "WAVE"))).toHaveProperty("error");
  });

  it.each([
    ["book.pdf", bytes("%PDF-1.7"), "pdf", "application/pdf"],
    ["pack.ZIP", bytes("PK", 3, 4), "zip", "application/zip"],
    ["novel.epub", bytes("PK", 3, 4), "epub", "application/epub+zip"],
    ["song.mp3", bytes("ID3", 4), "mp3", "audio/mpeg"],
    ["clip.mp4", bytes(0, 0, 0, 0x20, "ftypisom"), "mp4", "video/mp4"],
    ["photo.jpeg", bytes(0xff, 0xd8, 0xff), "jpg", "image/jpeg"],
    ["readme.markdown", Buffer.from("# Hello ünïcode", "utf8"), "md", "text/markdown; charset=utf-8"],
  ])("takes a deliverable's type from its name and checks its content: %s", (name, head, ext, mimeType) => {
    expect(detectType("deliverable", name, head)).toEqual(expect.objectContaining({ ext, mimeType }));
  });

  it("refuses unknown extensions and content that doesn't match the name", () => {
    expect(detectType("deliverable", "run.exe", bytes("MZ"))).toEqual({ error: expect.stringMatching(/must be PDF/) });
    expect(detectType("deliverable", "noextension", bytes("%PDF-"))).toHaveProperty("error");
    expect(detectType("deliverable", "book.pdf", bytes("PK", 3, 4))).toEqual({
      error: "That file's contents don't look like a .pdf file.",
    });
    expect(detectType("deliverable", "notes.txt", bytes("a", 0, "b"))).toHaveProperty("error");
    expect(detectType("deliverable", "notes.txt", bytes("caf", 0xe9, " latin-1 text"))).toHaveProperty("error");
  });
});

describe("file names and sizes", () => {
  it("keeps only a clean base name", () => {
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("C:\\Users\\me\\book.pdf")).toBe("book.pdf");
    expect(cleanFileName('evil"\r\nname.pdf')).toBe("evilname.pdf");
    expect(cleanFileName("")).toBe("download");
  });

  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5 MB");
    expect(formatBytes(1.5 * 1024 * 1024)).toBe("1.5 MB");
  });
});
