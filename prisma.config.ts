// Prisma 6.19 CLI configuration (generate, migrate dev/deploy/status/diff) for PostgreSQL, fully offline: the JS schema
// engine through @prisma/adapter-pg. Two workarounds, both only for the CLI (the app's own PrismaClient needs neither):
//  1. The schema engine reads pg_catalog columns of type `name` (oid 19) and `"char"` (oid 18), which adapter-pg
//     cannot map; present them as text (oid 25).
//  2. adapter-pg's shadow database keeps `connectionString` (so it connects to the main database) and drops the
//     shadow database while its pool is still open; create and drop our own instead.
//  3. adapter-pg's `executeScript` splits a migration on every ";", which breaks PL/pgSQL bodies (our audit log's
//     append-only trigger); send each migration script whole instead (PostgreSQL runs it as one implicit transaction).
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const asText = new Set([18, 19]);
function asTextColumns(result: any) {
  for (const r of Array.isArray(result) ? result : [result])
    for (const f of r?.fields ?? []) if (asText.has(f.dataTypeID)) f.dataTypeID = 25;
  return result;
}
for (const C of [pg.Client, pg.Pool] as any[]) {
  const query = C.prototype.query;
  C.prototype.query = function (...args: any[]) {
    const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (cb) return query.call(this, ...args, (err: any, res: any) => cb(err, err ? res : asTextColumns(res)));
    const out = query.apply(this, args);
    return out && typeof out.then === "function" ? out.then(asTextColumns) : out;
  };
}

function withWholeScripts(connection: any) {
  connection.executeScript = async (script: string) => {
    try {
      await connection.client.query(script);
    } catch (error) {
      connection.onError(error);
    }
  };
  return connection;
}

function adapterWithShadow(config: pg.ClientConfig) {
  const base: any = new PrismaPg(config);
  return new Proxy(base, {
    get(target, key) {
      if (key === "connect") return async () => withWholeScripts(await target.connect());
      if (key === "connectToShadowDb")
        return async () => {
          const name = `prisma_shadow_${Date.now()}`;
          const admin = await target.connect();
          await admin.executeScript(`CREATE DATABASE "${name}"`);
          const shadow: any = withWholeScripts(await new PrismaPg({ ...config, database: name }).connect());
          const dispose = shadow.dispose.bind(shadow);
          shadow.dispose = async () => {
            await dispose();
            await admin.executeScript(`DROP DATABASE "${name}" WITH (FORCE)`);
            await admin.dispose();
          };
          return shadow;
        };
      const value = target[key];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// Discrete fields, not a connection string: the shadow database overrides `database`.
const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres:postgres@localhost:5432/app");
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    adapterWithShadow({
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    }),
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
