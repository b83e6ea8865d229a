// Demo data for an empty database: one staff member, one creator with a few products, one buyer.
// `npm start` runs it when the database has no users; `npm run db:seed` runs it by hand.
import { hashPassword } from "../app/domain/users.server.ts";
import { audit, SYSTEM_ACTOR } from "../app/domain/audit.server.ts";
import fs from "node:fs";
import path from "node:path";
import { db, transaction } from "../app/utils/db.server.ts";
import { env } from "../app/utils/env.server.ts";

export const DEMO_LOGINS = [
  { role: "STAFF", email: "staff@example.com", password: "staff-demo-password", name: "Sam Staff" },
  { role: "CREATOR", email: "creator@example.com", password: "creator-demo-password", name: "Casey Creator" },
  { role: "BUYER", email: "buyer@example.com", password: "buyer-demo-password", name: "Bailey Buyer" },
] as const;

const DEMO_PRODUCTS = [
  {
    title: "Minimal Notion Planner",
    slug: "minimal-notion-planner",
    description: "A calm weekly planner template with habit tracking, goals and a reading list.",
    amount: 1200,
    currency: "usd",
  },
  {
    title: "Film Presets Vol. 2",
    slug: "film-presets-vol-2",
    description: "Twelve Lightroom presets inspired by classic 35mm film stocks. Works on desktop and mobile.",
    amount: 2400,
    currency: "usd",
  },
  {
    title: "The Freelance Pricing Guide",
    slug: "freelance-pricing-guide",
    description: "An 80-page e-book on pricing creative work with confidence, with worksheets.",
    amount: 1900,
    currency: "usd",
  },
  {
    title: "Tokyo Street Photography Pack",
    slug: "tokyo-street-photography-pack",
    description: "Forty high-resolution photographs of Tokyo at night, licensed for personal and commercial use.",
    amount: 3000,
    currency: "jpy",
  },
];

/** A membership: monthly or yearly, with a free week first. */
const DEMO_MEMBERSHIP = {
  title: "Casey's Studio Pass",
  slug: "studio-pass",
  description: "Every new template and preset pack the month it comes out, plus the monthly behind-the-scenes notes.",
  trialDays: 7,
  prices: [
    { amount: 800, currency: "usd", interval: "MONTH" as const },
    { amount: 8000, currency: "usd", interval: "YEAR" as const },
  ],
};

/** The file members download: a small text file in the uploads folder. */
function writeMembersFile() {
  const relative = "demo/studio-pass-welcome.txt";
  const file = path.resolve(env().UPLOADS_DIR, relative);
  const text = "Welcome to Casey's Studio Pass!\n\nThis month: the Autumn preset pack and the planner refresh.\n";
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return {
    deliverablePath: relative,
    deliverableName: "studio-pass-welcome.txt",
    deliverableMimeType: "text/plain",
    deliverableSizeBytes: Buffer.byteLength(text),
  };
}

/** Demo data is for local use: its accounts log in with the passwords printed in the README. */
export async function seedDemoData(log: (line: string) => void = console.log) {
  if (env().NODE_ENV === "production")
    throw new Error("Demo data is never seeded in production. Create staff accounts with `npm run staff:create`.");
  if ((await db().user.count()) > 0) {
    log("Database already has users: demo data not seeded.");
    return false;
  }
  const membersFile = writeMembersFile();
  const hashes = await Promise.all(DEMO_LOGINS.map((login) => hashPassword(login.password)));
  await transaction(async (tx) => {
    const users = [];
    for (const [i, login] of DEMO_LOGINS.entries()) {
      users.push(
        await tx.user.create({
          data: {
            email: login.email,
            name: login.name,
            role: login.role,
            passwordHash: hashes[i]!,
            // Demo accounts' addresses count as proven: the creator can publish at once.
            emailVerifiedAt: new Date(),
          },
        }),
      );
    }
    const creatorUser = users.find((u) => u.role === "CREATOR")!;
    const creator = await tx.creatorAccount.create({
      data: {
        userId: creatorUser.id,
        displayName: "Casey's Studio",
        slug: "caseys-studio",
        bio: "Templates and presets.",
      },
    });
    for (const product of DEMO_PRODUCTS) {
      await tx.product.create({
        data: {
          creatorId: creator.id,
          title: product.title,
          slug: product.slug,
          description: product.description,
          published: true,
          publishedAt: new Date(),
          prices: { create: { amount: product.amount, currency: product.currency } },
        },
      });
    }
    await tx.product.create({
      data: {
        creatorId: creator.id,
        kind: "MEMBERSHIP",
        title: DEMO_MEMBERSHIP.title,
        slug: DEMO_MEMBERSHIP.slug,
        description: DEMO_MEMBERSHIP.description,
        trialDays: DEMO_MEMBERSHIP.trialDays,
        ...membersFile,
        published: true,
        publishedAt: new Date(),
        prices: { create: DEMO_MEMBERSHIP.prices },
      },
    });
    await audit(tx, { actor: SYSTEM_ACTOR, action: "demo.seeded", entityType: "system", entityId: "seed" });
  });
  log(`Seeded demo data: ${DEMO_LOGINS.length} accounts, ${DEMO_PRODUCTS.length} products and a membership.`);
  return true;
}

/**
 * On the local Stripe emulator, the demo creator is onboarded straight away (Express account created, onboarding
 * completed through the emulator's test control), so the demo products can be bought at once.
 */
export async function connectDemoCreator(
  emulatorUrl: string,
  appUrl: string,
  log: (line: string) => void = console.log,
) {
  const creator = await db().creatorAccount.findFirst({
    where: { user: { email: DEMO_LOGINS[1].email } },
    select: { userId: true, stripeAccountId: true, chargesEnabled: true },
  });
  if (!creator) return;
  const { ensureMembershipStripePrices } = await import("../app/domain/memberships.server.ts");
  for (const membership of await db().product.findMany({ where: { kind: "MEMBERSHIP" }, select: { id: true } }))
    await ensureMembershipStripePrices(membership.id);
  if (creator.chargesEnabled) return;
  const { startOnboarding, refreshFromStripe } = await import("../app/domain/creators.server.ts");
  const { completeOnboarding } = await import("../scripts/stripe-emulator/testing.ts");
  await startOnboarding({ userId: creator.userId, appUrl, actor: SYSTEM_ACTOR });
  const withAccount = await db().creatorAccount.findFirstOrThrow({ where: { userId: creator.userId } });
  await completeOnboarding(emulatorUrl, withAccount.stripeAccountId!, "complete");
  await refreshFromStripe({ userId: creator.userId, actor: SYSTEM_ACTOR });
  log("Demo creator connected to the Stripe emulator (charges and payouts enabled).");
}

const DEMO_EMAILS = DEMO_LOGINS.map((login) => login.email);

/** The demo accounts (published passwords) present in this database. */
export async function demoAccountsPresent() {
  const users = await db().user.findMany({ where: { email: { in: DEMO_EMAILS } }, select: { email: true } });
  return users.map((user) => user.email);
}

/**
 * A production start refuses to serve while a demo account exists: anyone who read the README could log in.
 * The message names the way out.
 */
export async function refuseDemoAccounts() {
  const present = await demoAccountsPresent();
  if (present.length === 0) return;
  throw new Error(
    `This production database holds demo accounts that log in with published passwords (${present.join(", ")}). ` +
      "Disable them with `npm run demo:remove` against this DATABASE_URL, then start again. " +
      "Staff accounts in production come only from `npm run staff:create`.",
  );
}

/**
 * Disables the demo accounts without deleting what they own (orders and audit rows keep pointing at them): each gets
 * an address that cannot receive mail, a password hash nothing matches, and no sessions. Audited.
 */
export async function disableDemoAccounts(log: (line: string) => void = console.log) {
  const users = await db().user.findMany({ where: { email: { in: DEMO_EMAILS } } });
  for (const user of users) {
    await transaction(async (tx) => {
      await tx.session.deleteMany({ where: { userId: user.id } });
      await tx.user.update({
        where: { id: user.id },
        data: { email: `removed-demo-${user.id}@invalid`, passwordHash: "!disabled" },
      });
      await audit(tx, {
        actor: SYSTEM_ACTOR,
        action: "user.demo_account_disabled",
        entityType: "user",
        entityId: user.id,
        data: { email: user.email },
      });
    });
    log(`Disabled demo account ${user.email}.`);
  }
  if (users.length === 0) log("No demo accounts in this database.");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await seedDemoData();
  await db().$disconnect();
}
