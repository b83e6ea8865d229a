import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import fs from "node:fs";
import { deliverableFor } from "#app/domain/entitlements.server.ts";
import { domainErrorPage } from "#app/domain/error-responses.server.ts";
import { attachmentDisposition } from "#app/domain/uploads.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const file = await deliverableFor({ userId: user.id, entitlementId: params.entitlementId ?? "" });
    return new Response(createReadableStreamFromReadable(fs.createReadStream(file.file)), {
      headers: {
        "Content-Type": file.mimeType,
        "Content-Length": String(file.size),
        "Content-Disposition": attachmentDisposition(file.name),
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    domainErrorPage(error);
  }
}
