// What /healthz reports: whether the marketplace can serve, i.e. whether its database answers.
import { databaseIsUp } from "#app/utils/db.server.ts";

export async function healthCheck() {
  const database = await databaseIsUp();
  return { ok: database.ok, status: database.ok ? ("ok" as const) : ("degraded" as const), database };
}
