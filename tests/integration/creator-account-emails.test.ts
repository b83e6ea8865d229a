// Creator-account emails through the real stack: the Stripe emulator's account.updated and payout.* events, signed,
// into the webhook route, processed by the workers, the outbox's emails delivered over SMTP to this file's local mail
// server. Stripe asking for more details is emailed once per new set of requirements; payouts paid and failed once each.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const { SYSTEM_ACTOR } = await import("#app/domain/audit.server.ts");
const { refreshFromStripe, syncConnectedAccount } = await import("#app/domain/creators.server.ts");
const { db, transaction } = await import("#app/utils/db.server.ts");
const { env } = await import("#app/utils/env.server.ts");
const { onboardedCreator, buyThroughCheckout, publishedProduct } = await import("#tests/helpers/marketplace.ts");
const { deliveries, header, links, waitForDeliveries } = await import("#tests/helpers/mail.ts");
const { createUser } = await import("#tests/helpers/requests.ts");
const { controls, startTestStripe } = await import("#tests/helpers/stripe.ts");

type TestStripe = Awaited<ReturnType<typeof startTestStripe>>;
let stripeEnv: TestStripe;

beforeAll(async () => {
  stripeEnv = await startTestStripe();
});
afterAll(async () => {
  await stripeEnv?.stop();
});

/** The payout emails `to` received (the sale that made the balance sends the creator its own email). */
async function payoutMail(to: string) {
  return (await deliveries(to)).filter((m) => /payout/i.test(m.subject ?? ""));
}

async function waitForPayoutMail(to: string, count = 1) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const received = await payoutMail(to);
    if (received.length >= count) return received;
    if (Date.now() > deadline) throw new Error(`${to} received ${received.length} of ${count} payout emails`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Gives any second email time to be written and sent (workers poll every second). */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 1500));

describe("Stripe needs more details", () => {
  it("is emailed once per new request — not per event, nor when part was sent — in words, with the way back to onboarding", async () => {
    const { user, creator } = await onboardedCreator(stripeEnv.url, { mode: "incomplete" });
    await stripeEnv.settle();
    const [message, ...more] = await waitForDeliveries(user.email);
    expect(more).toHaveLength(0);
    expect(message!.subject).toBe("Action needed: Stripe needs more details now");
    for (const part of [message!.html!, message!.text!]) {
      expect(part).toContain("Bank account for payouts");
      expect(part).toContain("ID number");
      expect(part).toContain("sales and payouts are on hold");
    }
    expect(links(message!)).toContain(`${env().APP_URL}/creator/onboarding`);
    expect(message!.text).toContain(`${env().APP_URL}/creator/onboarding`);
    const row = await db().email.findFirstOrThrow({ where: { to: user.email, kind: "creator_details_needed" } });
    expect(row.userId).toBe(user.id);

    // The same requirements again — the event resent, the creator back from Stripe — are no new email.
    const event = await db().stripeEvent.findFirstOrThrow({
      where: { type: "account.updated", account: creator.stripeAccountId },
      orderBy: { receivedAt: "desc" },
    });
    await controls.resendEvent(stripeEnv.url, event.id);
    await stripeEnv.settle();
    await refreshFromStripe({ userId: user.id, actor: SYSTEM_ACTOR });
    await quiet();
    expect(await deliveries(user.email)).toHaveLength(1);

    // What Stripe says next, as the domain reads it: part of it sent (nothing new asked) is no email; something new is.
    const account = {
      id: creator.stripeAccountId!,
      chargesEnabled: false,
      payoutsEnabled: false,
      detailsSubmitted: true,
      pastDue: [] as string[],
      disabledReason: "requirements.past_due",
    };
    const sync = (currentlyDue: string[]) =>
      transaction((tx) =>
        syncConnectedAccount(tx, { ...account, currentlyDue }, { actor: SYSTEM_ACTOR, observedAt: new Date() }),
      );
    await sync(["external_account"]);
    await quiet();
    expect(await deliveries(user.email)).toHaveLength(1);
    await sync(["external_account", "individual.verification.document"]);
    const [, asked] = await waitForDeliveries(user.email, 2);
    expect(asked!.subject).toBe("Stripe needs a few more details from you"); // due, not yet past due
    expect(asked!.text).toContain("Identity document");
    expect(asked!.text).toContain("Bank account for payouts");

    // Finished: nothing to ask. Asked again later: a new request, a new email.
    await controls.completeOnboarding(stripeEnv.url, creator.stripeAccountId!, "complete");
    await stripeEnv.settle();
    await quiet();
    expect(await deliveries(user.email)).toHaveLength(2);
    await controls.completeOnboarding(stripeEnv.url, creator.stripeAccountId!, "incomplete");
    await stripeEnv.settle();
    const all = await waitForDeliveries(user.email, 3);
    expect(all[2]!.subject).toBe("Action needed: Stripe needs more details now");
    await quiet();
    expect(await deliveries(user.email)).toHaveLength(3);
  });

  it("is not sent when onboarding completes without anything due, nor while the creator has not yet submitted", async () => {
    const { user } = await onboardedCreator(stripeEnv.url);
    await stripeEnv.settle();
    await quiet();
    expect(await deliveries(user.email)).toHaveLength(0);
    expect(await db().email.count({ where: { to: user.email } })).toBe(0);
  });
});

describe("payouts", () => {
  async function creatorWithBalance() {
    const { user, creator } = await onboardedCreator(stripeEnv.url);
    const { user: buyer } = await createUser();
    const product = await publishedProduct(creator.id, { amount: 5_000, currency: "usd" });
    await buyThroughCheckout(stripeEnv, buyer, product.id);
    return { user, creator };
  }

  it("paid: the creator is told the amount and when it arrives, once, as a payouts email", async () => {
    const { user, creator } = await creatorWithBalance();
    await controls.setWebhookControls(stripeEnv.url, { duplicate: 1_000 });
    let payoutId: string;
    try {
      const payout = await stripeEnv.stripe.payouts.create(
        { amount: 4_250, currency: "usd" },
        { stripeAccount: creator.stripeAccountId! },
      );
      payoutId = payout.id;
      await stripeEnv.settle();
    } finally {
      await controls.setWebhookControls(stripeEnv.url, { duplicate: 0 });
    }
    const [message, ...more] = await waitForPayoutMail(user.email);
    expect(more).toHaveLength(0);
    expect(message!.subject).toBe("Payout of $42.50 sent to your bank");
    for (const part of [message!.html!, message!.text!]) {
      expect(part).toContain("$42.50");
      expect(part).toContain("USD");
    }
    expect(links(message!)).toContain(`${env().APP_URL}/creator/stripe-dashboard`);
    const row = await db().email.findUniqueOrThrow({ where: { key: `payout-paid:${payoutId}` } });
    expect(row).toMatchObject({ kind: "creator_payout_paid", userId: user.id });
    expect(header(message!, "List-Unsubscribe")).toMatch(/\/unsubscribe\//);
    await quiet();
    expect(await payoutMail(user.email)).toHaveLength(1);
  });

  it("failed after paid: the creator is told the bank's reason, once; a late 'paid' is not sent again", async () => {
    const { user, creator } = await creatorWithBalance();
    const payout = await stripeEnv.stripe.payouts.create(
      { amount: 3_000, currency: "usd" },
      { stripeAccount: creator.stripeAccountId! },
    );
    await stripeEnv.settle();
    await waitForPayoutMail(user.email, 1);
    await controls.failPayout(stripeEnv.url, payout.id, "account_closed");
    await stripeEnv.settle();
    const [paid, failed, ...more] = await waitForPayoutMail(user.email, 2);
    expect(more).toHaveLength(0);
    expect(paid!.subject).toBe("Payout of $30.00 sent to your bank");
    expect(failed!.subject).toBe("Your payout of $30.00 failed");
    for (const part of [failed!.html!, failed!.text!]) {
      expect(part).toContain("The bank account has been closed.");
      expect(part).toContain("$30.00");
    }
    expect(links(failed!)).toContain(`${env().APP_URL}/creator/stripe-dashboard`);
    // The failure event again, and the earlier "paid" event replayed after it: nothing new.
    const events = await db().stripeEvent.findMany({
      where: { type: { in: ["payout.failed", "payout.paid"] }, account: creator.stripeAccountId },
    });
    expect(events.map((e) => e.type).sort()).toEqual(["payout.failed", "payout.paid"]);
    for (const event of events) await controls.resendEvent(stripeEnv.url, event.id);
    await stripeEnv.settle();
    await quiet();
    expect(await payoutMail(user.email)).toHaveLength(2);
  });

  it("a creator who turned off payout emails hears only of a failed payout (essential)", async () => {
    const { user, creator } = await creatorWithBalance();
    await db().emailOptOut.create({ data: { userId: user.id, topic: "creator_payouts" } });
    const payout = await stripeEnv.stripe.payouts.create(
      { amount: 2_000, currency: "usd" },
      { stripeAccount: creator.stripeAccountId! },
    );
    await stripeEnv.settle();
    await controls.failPayout(stripeEnv.url, payout.id, "invalid_account_number");
    await stripeEnv.settle();
    const [failed] = await waitForPayoutMail(user.email);
    expect(failed!.subject).toBe("Your payout of $20.00 failed");
    expect(failed!.text).toContain("The routing number seems correct, but the account number is invalid.");
    expect(header(failed!, "List-Unsubscribe")).toBeUndefined();
    await quiet();
    expect((await payoutMail(user.email)).map((m) => m.subject)).toEqual(["Your payout of $20.00 failed"]);
  });

  it("a payout whose failure is reported before its 'paid' event sends only the failure", async () => {
    const { user, creator } = await creatorWithBalance();
    await controls.setWebhookUrl(stripeEnv.url, null);
    let payoutId: string;
    try {
      payoutId = (
        await stripeEnv.stripe.payouts.create(
          { amount: 1_000, currency: "usd" },
          { stripeAccount: creator.stripeAccountId! },
        )
      ).id;
      await controls.failPayout(stripeEnv.url, payoutId, "no_account");
    } finally {
      await controls.setWebhookUrl(stripeEnv.url, stripeEnv.webhookUrl);
    }
    const listed = await stripeEnv.stripe.events.list({ limit: 10 }, { stripeAccount: creator.stripeAccountId! });
    const failedEvent = listed.data.find((e) => e.type === "payout.failed")!;
    const paidEvent = listed.data.find((e) => e.type === "payout.paid")!;
    await controls.resendEvent(stripeEnv.url, failedEvent.id);
    await stripeEnv.settle();
    await controls.resendEvent(stripeEnv.url, paidEvent.id);
    await stripeEnv.settle();
    const [message] = await waitForPayoutMail(user.email);
    expect(message!.subject).toBe("Your payout of $10.00 failed");
    await quiet();
    expect((await payoutMail(user.email)).map((m) => m.subject)).toEqual(["Your payout of $10.00 failed"]);
  });
});
