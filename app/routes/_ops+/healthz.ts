import { healthCheck } from "#app/domain/health.server.ts";

export async function loader() {
  const { ok, status, database } = await healthCheck();
  return Response.json({ status, database }, { status: ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
