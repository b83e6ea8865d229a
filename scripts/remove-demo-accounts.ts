// `npm run demo:remove`: disables the demo accounts (published passwords) in the database at DATABASE_URL (or the
// embedded one), so a production start that refused because of them can go ahead. What they own stays.
import { acquireDatabase } from "./lib/database.ts";

const database = await acquireDatabase();
process.env.DATABASE_URL = database.url;
const { disableDemoAccounts } = await import("../prisma/seed.ts");
const { db } = await import("../app/utils/db.server.ts");
try {
  await disableDemoAccounts((line) => console.log(`[demo:remove] ${line}`));
} finally {
  await db().$disconnect();
  await database.stop();
}
