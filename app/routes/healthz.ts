import { databaseIsUp } from "#app/utils/db.server.ts";

export async function loader() {
  const database = await databaseIsUp();
  return Response.json(
    { status: database.ok ? "ok" : "degraded", database },
    { status: database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
