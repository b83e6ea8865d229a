// Product covers, streamed from UPLOADS_DIR: public for published products, private to the creator otherwise.
// Deliverables are never served here (only by the library's entitlement-checked download route).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import fs from "node:fs";
import { coverFor } from "#app/domain/catalog.server.ts";
import { getUser } from "#app/utils/auth.server.ts";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await getUser(request);
  const cover = await coverFor({ productId: params.productId ?? "", viewerId: user?.id ?? null });
  if (!cover) throw new Response("Not found", { status: 404 });
  const headers = {
    "Content-Type": cover.mimeType,
    ETag: cover.etag,
    // The URL carries the file's version, so a published cover can be cached for long; drafts stay private.
    "Cache-Control": cover.isPublic ? "public, max-age=86400, stale-while-revalidate=604800" : "private, no-cache",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
  };
  if (request.headers.get("If-None-Match") === cover.etag) return new Response(null, { status: 304, headers });
  return new Response(createReadableStreamFromReadable(fs.createReadStream(cover.file)), {
    headers: { ...headers, "Content-Length": String(cover.size) },
  });
}
