// CLI: `npm run stripe:emulator [-- --port N --snapshot path --secret-key sk_test_x --webhook-url URL]`
import path from "node:path";
import { startStripeEmulator } from "./server.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.split("=").slice(1).join("=");
}

const port = Number(arg("port") ?? process.env.STRIPE_EMULATOR_PORT ?? 12111);
const snapshot = arg("snapshot") ?? process.env.STRIPE_EMULATOR_SNAPSHOT ?? path.resolve("data/stripe-emulator.json");
const em = await startStripeEmulator({
  port,
  host: arg("host") ?? process.env.STRIPE_EMULATOR_HOST ?? "127.0.0.1",
  secretKey: arg("secret-key") ?? process.env.STRIPE_EMULATOR_SECRET_KEY,
  webhookUrl: arg("webhook-url") ?? process.env.STRIPE_EMULATOR_WEBHOOK_URL,
  webhookSecret: arg("webhook-secret") ?? process.env.STRIPE_EMULATOR_WEBHOOK_SECRET,
  snapshotFile: snapshot === "none" ? null : snapshot,
  dunningFinalAction:
    (arg("dunning-final-action") ?? process.env.STRIPE_EMULATOR_DUNNING_FINAL_ACTION) === "unpaid"
      ? "unpaid"
      : "cancel",
  dunningRetryDays: (arg("dunning-retry-days") ?? process.env.STRIPE_EMULATOR_DUNNING_RETRY_DAYS)
    ?.split(",")
    .map(Number),
});
console.log(`Stripe emulator (test mode) listening on ${em.url}
  STRIPE_API_BASE=${em.url}
  STRIPE_SECRET_KEY=${em.secretKey}
  STRIPE_PUBLISHABLE_KEY=${em.publishableKey}
  STRIPE_WEBHOOK_SECRET=${em.webhookSecret}
  snapshot: ${snapshot === "none" ? "(in memory)" : snapshot}`);
const stop = async () => {
  await em.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
