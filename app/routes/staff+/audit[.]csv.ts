// The audit log as a CSV download, with the same filters as /staff/audit, streamed in batches.
import type { LoaderFunctionArgs } from "@remix-run/node";
import {
  AUDIT_CSV_MAX_ROWS,
  auditLogCsvRows,
  auditLogCsvSize,
  auditSearchSchema,
} from "#app/domain/audit-log.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const parsed = auditSearchSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) {
    const messages = Object.values(parsed.error.flatten().fieldErrors).flat().join(" ");
    return new Response(`The filters are not valid: ${messages}`, {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  const size = await auditLogCsvSize(parsed.data);
  const chunks = auditLogCsvRows(parsed.data);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-log-${day}.csv"`,
      "Cache-Control": "no-store",
      "X-Audit-Rows": String(size.rows),
      ...(size.truncated
        ? {
            "X-Audit-Truncated": `Only the newest ${AUDIT_CSV_MAX_ROWS} of ${size.total} rows; narrow the filters for the rest`,
          }
        : {}),
    },
  });
}
