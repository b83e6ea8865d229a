// `npm run db:migration:new -- --name what_changed`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// the SQL that takes the committed migrations to the current schema (`prisma migrate diff`, through a shadow
// database on the app's PostgreSQL — embedded unless DATABASE_URL is set). Review the file, then `npm run db:migrate`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { acquireDatabase, projectRoot } from "./lib/database.ts";

const { values } = parseArgs({ options: { name: { type: "string" } } });
if (!values.name || !/^[a-z0-9_]+$/.test(values.name)) {
  console.error("Usage: npm run db:migration:new -- --name what_changed   (lowercase letters, digits, underscores)");
  process.exit(2);
}
const database = await acquireDatabase();
try {
  const result = spawnSync(
    path.join(projectRoot, "node_modules/.bin/prisma"),
    [
      "migrate",
      "diff",
      "--from-migrations",
      "prisma/migrations",
      "--to-schema-datamodel",
      "prisma/schema.prisma",
      "--script",
    ],
    { cwd: projectRoot, env: { ...process.env, DATABASE_URL: database.url }, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`prisma migrate diff failed:\n${result.stderr}`);
  const sql = result.stdout.slice(result.stdout.indexOf("--") >= 0 ? result.stdout.indexOf("--") : 0).trim();
  if (!sql || sql.includes("This is an empty migration")) {
    console.log("The schema matches the migrations: nothing to write.");
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(projectRoot, "prisma/migrations", `${stamp}_${values.name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), `${sql}\n`);
    console.log(`Wrote ${path.relative(projectRoot, dir)}/migration.sql — review it, then run npm run db:migrate.`);
  }
} finally {
  await database.stop();
}
