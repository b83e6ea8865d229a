// Creates a staff account (staff cannot self-register): npm run staff:create -- --email a@b.c --name "A" --password ...
import { parseArgs } from "node:util";
import { z } from "zod";
import { acquireDatabase } from "./lib/database.ts";

const { values } = parseArgs({
  options: { email: { type: "string" }, name: { type: "string" }, password: { type: "string" } },
});
const input = z
  .object({
    email: z.string().email("--email must be an email address"),
    name: z.string().min(1, "--name is required"),
    password: z.string().min(10, "--password must be at least 10 characters"),
  })
  .safeParse(values);
if (!input.success) {
  console.error(input.error.issues.map((i) => i.message).join("\n"));
  console.error('Usage: npm run staff:create -- --email staff@example.com --name "Sam" --password "long password"');
  process.exit(2);
}
const database = await acquireDatabase();
process.env.DATABASE_URL = database.url;
const { hashPassword } = await import("../app/domain/users.server.ts");
const { db } = await import("../app/utils/db.server.ts");
try {
  const user = await db().user.create({
    data: {
      email: input.data.email.toLowerCase(),
      name: input.data.name,
      role: "STAFF",
      passwordHash: await hashPassword(input.data.password),
      // Made by an operator, not by sign-up: the address counts as confirmed (no verification email is sent).
      emailVerifiedAt: new Date(),
    },
  });
  console.log(`Staff account created: ${user.email}`);
} finally {
  await db().$disconnect();
  await database.stop();
}
