// Product files on local disk under UPLOADS_DIR: covers (images shown publicly) and deliverables (the file buyers
// download, served only by the library's entitlement-checked route). Files are stored under random names; the
// database holds paths relative to UPLOADS_DIR. Multipart bodies are streamed to a staging file with the size limit
// enforced while streaming, then checked by their first bytes (never by the name or the browser's content type alone).
import { unstable_parseMultipartFormData, type UploadHandler } from "@remix-run/node";
import crypto from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { env } from "#app/utils/env.server.ts";
import { formatBytes } from "#app/utils/format.ts";
import { withoutLoneSurrogates } from "#app/utils/text.ts";
import { DomainError } from "./errors.ts";

export const MB = 1024 * 1024;

export type UploadKind = "cover" | "deliverable";

interface FileType {
  ext: string;
  mimeType: string;
  /** True when the file's first bytes are what this type must start with. */
  matches: (head: Buffer) => boolean;
}

const startsWith = (head: Buffer, bytes: number[], offset = 0) => bytes.every((b, i) => head[offset + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const PNG: FileType = {
  ext: "png",
  mimeType: "image/png",
  matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
};
const JPEG: FileType = { ext: "jpg", mimeType: "image/jpeg", matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]) };
const GIF: FileType = {
  ext: "gif",
  mimeType: "image/gif",
  matches: (h) => startsWith(h, ascii("GIF87a")) || startsWith(h, ascii("GIF89a")),
};
const WEBP: FileType = {
  ext: "webp",
  mimeType: "image/webp",
  matches: (h) => startsWith(h, ascii("RIFF")) && startsWith(h, ascii("WEBP"), 8),
};
const PDF: FileType = { ext: "pdf", mimeType: "application/pdf", matches: (h) => startsWith(h, ascii("%PDF-")) };
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const ZIP: FileType = { ext: "zip", mimeType: "application/zip", matches: (h) => startsWith(h, ZIP_MAGIC) };
const EPUB: FileType = { ext: "epub", mimeType: "application/epub+zip", matches: (h) => startsWith(h, ZIP_MAGIC) };
const MP3: FileType = {
  ext: "mp3",
  mimeType: "audio/mpeg",
  matches: (h) => startsWith(h, ascii("ID3")) || (h[0] === 0xff && ((h[1] ?? 0) & 0xe0) === 0xe0),
};
const MP4: FileType = { ext: "mp4", mimeType: "video/mp4", matches: (h) => startsWith(h, ascii("ftyp"), 4) };
/** Text must decode as UTF-8 without NUL bytes (checked on the first bytes). */
const isText = (h: Buffer) =>
  !h.includes(0) && !/\uFFFD/.test(h.subarray(0, Math.max(0, h.length - 4)).toString("utf8"));
const TXT: FileType = { ext: "txt", mimeType: "text/plain; charset=utf-8", matches: isText };
const MD: FileType = { ext: "md", mimeType: "text/markdown; charset=utf-8", matches: isText };
const CSV: FileType = { ext: "csv", mimeType: "text/csv; charset=utf-8", matches: isText };

export const UPLOAD_RULES = {
  cover: {
    label: "Cover image",
    maxBytes: 5 * MB,
    // Covers are identified by content alone; any name is fine.
    types: [PNG, JPEG, WEBP, GIF],
    byExtension: false,
    accept: "image/png,image/jpeg,image/webp,image/gif",
    allowedText: "PNG, JPEG, WebP or GIF",
    dir: "covers",
  },
  deliverable: {
    label: "Product file",
    maxBytes: 100 * MB,
    // The name's extension picks the type, and the content must match it.
    types: [PDF, ZIP, EPUB, MP3, MP4, PNG, JPEG, TXT, MD, CSV],
    byExtension: true,
    accept: ".pdf,.zip,.epub,.mp3,.mp4,.png,.jpg,.jpeg,.txt,.md,.csv",
    allowedText: "PDF, ZIP, EPUB, MP3, MP4, PNG, JPEG, TXT, Markdown or CSV",
    dir: "deliverables",
  },
} as const;

/** The largest product form: both files at their limits plus the text fields. The HTTP server caps bodies at this. */
export const MAX_PRODUCT_FORM_BYTES = UPLOAD_RULES.cover.maxBytes + UPLOAD_RULES.deliverable.maxBytes + MB;

/** What the file inputs accept and say, for the product form. */
export function uploadHints() {
  const { cover, deliverable } = UPLOAD_RULES;
  return {
    cover: cover.accept,
    deliverable: deliverable.accept,
    coverHint: `${cover.allowedText}, up to ${formatBytes(cover.maxBytes)}.`,
    deliverableHint: `What buyers (or members) download: ${deliverable.allowedText}, up to ${formatBytes(deliverable.maxBytes)}.`,
  };
}

const EXTENSION_ALIASES: Record<string, string> = { jpeg: "jpg", markdown: "md" };

/** A checked file in the staging area, not yet attached to a product. */
export interface StagedFile {
  kind: UploadKind;
  stagingPath: string;
  originalName: string;
  ext: string;
  mimeType: string;
  sizeBytes: number;
}

/** A file moved into its final place; `relativePath` is what the database stores. */
export interface StoredFile {
  relativePath: string;
  originalName: string;
  mimeType: string;
  sizeBytes: number;
}

export function uploadsRoot() {
  return path.resolve(env().UPLOADS_DIR);
}

/** The absolute path of a stored file, or null when the relative path would leave UPLOADS_DIR. */
export function resolveUpload(relativePath: string): string | null {
  const root = uploadsRoot();
  const file = path.resolve(root, relativePath);
  return file.startsWith(root + path.sep) ? file : null;
}

/** Control characters (C0, DEL, C1), bidirectional overrides that can disguise an extension, and quotes. */
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069"]/g;
const MAX_NAME_CHARACTERS = 200;

/** A file name fit for a listing and a Content-Disposition header: no path, no control characters, bounded. */
export function cleanFileName(name: string) {
  const base = name.split(/[/\\]/).pop() ?? "";
  const cleaned = withoutLoneSurrogates(base).replace(UNSAFE_NAME_CHARACTERS, "").trim();
  // Bounded by characters (code points), keeping the end with the extension; never half of a surrogate pair.
  return [...cleaned].slice(-MAX_NAME_CHARACTERS).join("").trim() || "download";
}

/**
 * A Content-Disposition header for a download (RFC 6266): `filename*` carries the exact name in UTF-8 (RFC 5987
 * percent-encoding, where only attr-chars stay bare), and `filename` an ASCII fallback for clients that ignore it.
 */
export function attachmentDisposition(name: string) {
  const clean = cleanFileName(name);
  const fallback = clean
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Checks a staged file's first bytes (and, for deliverables, its name) against the rules; returns its type. */
export function detectType(kind: UploadKind, originalName: string, head: Buffer): FileType | { error: string } {
  const rules = UPLOAD_RULES[kind];
  const notAllowed = `${rules.label} must be ${rules.allowedText}.`;
  if (!rules.byExtension) {
    const type = rules.types.find((t) => t.matches(head));
    return type ?? { error: `${notAllowed} That file isn't a supported image.` };
  }
  const raw = path.extname(originalName).slice(1).toLowerCase();
  const ext = EXTENSION_ALIASES[raw] ?? raw;
  const type = rules.types.find((t) => t.ext === ext);
  if (!type) return { error: notAllowed };
  if (!type.matches(head)) return { error: `That file's contents don't look like a .${raw} file.` };
  return type;
}

const HEAD_BYTES = 4096;
/** Text fields of a product form are small; anything larger is refused rather than buffered. */
const MAX_TEXT_FIELD_BYTES = 64 * 1024;
/** The product form has about a dozen parts; a body with more is not our form and is refused while streaming. */
export const MAX_FORM_PARTS = 50;

/**
 * Reads a multipart product form: text fields come back as strings in `fields`, and the `cover` and `deliverable`
 * file parts are streamed to the staging area with their size limit enforced while streaming. A file that breaks a
 * rule is not kept; its message is in `fileErrors`. Call `discard()` on whatever is not committed.
 */
export async function readProductForm(request: Request): Promise<{
  fields: FormData;
  files: Partial<Record<UploadKind, StagedFile>>;
  fileErrors: Partial<Record<UploadKind, string>>;
}> {
  const contentType = request.headers.get("Content-Type") ?? "";
  if (!contentType.startsWith("multipart/form-data"))
    throw new DomainError("upload_rejected", "The form was sent without its files. Please try again.", { status: 400 });
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > MAX_PRODUCT_FORM_BYTES)
    throw new DomainError(
      "upload_too_large",
      `The upload is too large: files can be at most ${formatBytes(UPLOAD_RULES.deliverable.maxBytes)}.`,
      { status: 413 },
    );

  const stagingDir = path.join(uploadsRoot(), ".staging");
  await fsp.mkdir(stagingDir, { recursive: true });
  const files: Partial<Record<UploadKind, StagedFile>> = {};
  const fileErrors: Partial<Record<UploadKind, string>> = {};
  const staged: string[] = [];

  let parts = 0;
  const handler: UploadHandler = async ({ name, filename, data }) => {
    parts += 1;
    if (parts > MAX_FORM_PARTS)
      throw new DomainError("upload_too_large", `The form has too many fields (at most ${MAX_FORM_PARTS}).`, {
        status: 413,
      });
    if (filename === undefined) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of data) {
        size += chunk.byteLength;
        if (size > MAX_TEXT_FIELD_BYTES)
          throw new DomainError("upload_too_large", "A field of the form is too long.", { status: 413 });
        chunks.push(chunk);
      }
      return Buffer.concat(chunks).toString("utf8");
    }
    const kind = name === "cover" || name === "deliverable" ? (name as UploadKind) : null;
    if (!kind || !filename || files[kind] || fileErrors[kind]) {
      // An unknown part, an empty file input, or a second file for the same field: read past it, keep nothing.
      for await (const _ of data) void _;
      return undefined;
    }
    const rules = UPLOAD_RULES[kind];
    const stagingPath = path.join(stagingDir, crypto.randomBytes(16).toString("hex"));
    staged.push(stagingPath);
    const out = fs.createWriteStream(stagingPath, { flags: "wx" });
    let writeError: Error | null = null;
    out.on("error", (error) => (writeError = error));
    const head: Buffer[] = [];
    let headSize = 0;
    let size = 0;
    let tooLarge = false;
    try {
      for await (const chunk of data) {
        size += chunk.byteLength;
        if (size > rules.maxBytes) {
          tooLarge = true;
          // Past the limit: stop storing. Stop reading too once far past it, so a huge body cannot keep us busy.
          if (size > rules.maxBytes + 2 * MB)
            throw new DomainError(
              "upload_too_large",
              `${rules.label} is too large: the limit is ${formatBytes(rules.maxBytes)}.`,
              { status: 413, field: kind },
            );
          continue;
        }
        if (headSize < HEAD_BYTES) {
          head.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - headSize)));
          headSize += Math.min(chunk.byteLength, HEAD_BYTES - headSize);
        }
        if (writeError) throw writeError;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
    const originalName = cleanFileName(filename);
    if (tooLarge) {
      fileErrors[kind] = `${rules.label} is too large: the limit is ${formatBytes(rules.maxBytes)}.`;
    } else if (size === 0) {
      fileErrors[kind] = `${rules.label} is empty.`;
    } else {
      const type = detectType(kind, originalName, Buffer.concat(head));
      if ("error" in type) fileErrors[kind] = type.error;
      else files[kind] = { kind, stagingPath, originalName, ext: type.ext, mimeType: type.mimeType, sizeBytes: size };
    }
    if (!files[kind]) await fsp.rm(stagingPath, { force: true });
    return undefined;
  };

  try {
    const fields = await unstable_parseMultipartFormData(request, handler);
    return { fields, files, fileErrors };
  } catch (error) {
    await Promise.all(staged.map((file) => fsp.rm(file, { force: true })));
    if (error instanceof DomainError) throw error;
    // Remix refuses a body that is not multipart with a TypeError; the multipart parser's own errors all begin with
    // "malformed" (a truncated body, a part without a name). Anything else (the disk, say) stays a server error.
    const unreadable = error instanceof TypeError || (error instanceof Error && /^malformed /.test(error.message));
    if (!unreadable) throw error;
    // The parser splits a part's Content-Disposition on ";" and "=" even inside the quoted file name, so a name
    // holding either cannot be read: say so rather than fail.
    if (/content-disposition/i.test((error as Error).message))
      throw new DomainError(
        "upload_rejected",
        "A file's name could not be read. Names with ; or = can't be uploaded: rename the file and try again.",
        { status: 400 },
      );
    throw new DomainError("upload_rejected", "The form could not be read. Please try again.", { status: 400 });
  }
}

/** Moves a staged file into its final directory under a random name. */
export async function storeStagedFile(file: StagedFile): Promise<StoredFile> {
  const dir = UPLOAD_RULES[file.kind].dir;
  const relativePath = `${dir}/${crypto.randomBytes(16).toString("hex")}.${file.ext}`;
  const target = resolveUpload(relativePath)!;
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.rename(file.stagingPath, target);
  return { relativePath, originalName: file.originalName, mimeType: file.mimeType, sizeBytes: file.sizeBytes };
}

/** Removes staged files that were not used (bad input elsewhere in the form, or a failed save). */
export async function discardStaged(files: Partial<Record<UploadKind, StagedFile>>) {
  await Promise.all(Object.values(files).map((file) => fsp.rm(file.stagingPath, { force: true })));
}

/** Removes stored files (after the database no longer points at them). Missing files are fine. */
export async function removeStored(relativePaths: (string | null | undefined)[]) {
  await Promise.all(
    relativePaths.map((relative) => {
      const file = relative ? resolveUpload(relative) : null;
      return file ? fsp.rm(file, { force: true }) : Promise.resolve();
    }),
  );
}

const COVER_MIME: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
};

/** A stored cover's absolute path, content type and size, or null when the file is gone. */
export async function coverFile(relativePath: string) {
  const file = resolveUpload(relativePath);
  if (!file) return null;
  const stat = await fsp.stat(file).catch(() => null);
  if (!stat?.isFile()) return null;
  const ext = path.extname(file).slice(1);
  return { file, size: stat.size, mimeType: COVER_MIME[ext] ?? "application/octet-stream" };
}
