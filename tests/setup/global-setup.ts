// Once per `vitest run`: one PostgreSQL (embedded unless DATABASE_URL is set), and a template database with every
// migration applied. Each test file then gets its own database copied from the template (see each-file.ts).
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { applyMigrations } from "../../scripts/lib/migrate.ts";
import { projectRoot } from "../../scripts/lib/database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseAdminUrl: string;
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  let adminUrl: string;
  let stop = async () => {};
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const server = await startEmbeddedPostgres({
      dataDir: path.join(projectRoot, `data/test-postgres-${process.pid}`),
      persistent: false,
      fast: true,
    });
    adminUrl = server.adminUrl;
    stop = server.stop;
  }
  const templateDatabase = `test_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${templateDatabase}"`);
  await admin.query(`CREATE DATABASE "${templateDatabase}"`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${templateDatabase}`;
  await applyMigrations(templateUrl.toString());

  project.provide("databaseAdminUrl", adminUrl);
  project.provide("templateDatabase", templateDatabase);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${templateDatabase}" WITH (FORCE)`).catch(() => {});
    await client.end();
    await stop();
  };
}
