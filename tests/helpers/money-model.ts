// The money property's operations, the model they are checked against, and the runner that performs them for real:
// the app's domain functions, stripe-node over HTTP to the emulator, signed webhooks into the real route, a real
// PostgreSQL. tests/faults/money-property.test.ts generates sequences of these operations with fast-check; a failing
// sequence is printed as `op.…(…)` calls, to paste into `runMoneySequence(stripeEnv, [ … ])` as a fixed test.
//
// The model is Stripe's side of the money, followed operation by operation: each order's charge, the refunds Stripe
// took (and whether they stood or failed later), its dispute. It predicts which operations Stripe and the domain must
// refuse; after the sequence our books must agree with it (and with the emulator's balances) to the cent.
import fc from "fast-check";
import type Stripe from "stripe";
import { expect, vi } from "vitest";
import type { OrderStatus, Refund } from "#app/generated/prisma/client.ts";
import { SYSTEM_ACTOR } from "#app/domain/audit.server.ts";
import { startCheckout } from "#app/domain/checkout.server.ts";
import { isDomainError, type DomainErrorCode } from "#app/domain/errors.ts";
import { formatMoney } from "#app/domain/money.ts";
import { refundSplit } from "#app/domain/refund-split.ts";
import { refundOrder } from "#app/domain/refunds.server.ts";
import { db } from "#app/utils/db.server.ts";
import { reconcileEvents } from "#app/webhooks/reconcile.server.ts";
import { DISPUTE_FEE } from "../../scripts/stripe-emulator/money.ts";
import { expectMarketplaceInvariants } from "./invariants.ts";
import { buyerOnTestClock, onboardedCreator, publishedMembership, publishedProduct } from "./marketplace.ts";
import { createUser } from "./requests.ts";
import { controls, eventsSettled, type TestStripe } from "./stripe.ts";

export type Currency = "usd" | "jpy";
/** Stripe's test cards: one that pays, one whose refunds succeed and then fail (Stripe reports it later). */
export const CARDS = { pays: "4242424242424242", refundsFail: "4000000000005126" } as const;
export type Card = (typeof CARDS)[keyof typeof CARDS];
/** Membership cards: one that pays every invoice, one that can be saved but whose every charge fails. */
export const MEMBERSHIP_CARDS = { pays: "4242424242424242", chargesFail: "4000000000000341" } as const;
export type MembershipCard = (typeof MEMBERSHIP_CARDS)[keyof typeof MEMBERSHIP_CARDS];
/** How much to refund: a percentage (1–99) of what is still refundable on Stripe, all of it, or one unit more. */
export type Share = number | "full" | "over";
/** Staff's answer, given up front, for when the creator's balance can't cover the reversal (none: the domain asks). */
export type BalancePolicy = "reverse_anyway" | "platform_absorbs";
export const REFUND_FAILURE_REASONS = ["expired_or_canceled_card", "lost_or_stolen_card", "declined", "unknown"];

export type Op =
  | { kind: "buy"; currency: Currency; amount: number; card: Card }
  | { kind: "buyAfterPriceChange"; currency: Currency; first: number; second: number }
  | {
      kind: "staffRefund";
      order: number;
      share: Share;
      reverseTransfer: boolean;
      refundApplicationFee: boolean;
      balancePolicy?: BalancePolicy;
    }
  | { kind: "dashboardRefund"; order: number; share: Share; reverseTransfer: boolean; refundApplicationFee: boolean }
  | { kind: "failRefund"; refund: number; reason: string }
  | { kind: "openDispute"; order: number }
  | { kind: "closeDispute"; dispute: number; outcome: "won" | "lost" }
  | { kind: "subscribe"; currency: Currency; amount: number; card: MembershipCard }
  | { kind: "renew"; membership: number }
  | { kind: "webhookFaults"; duplicate: number; reorder: number; drop: number; delayMs: number }
  | { kind: "settle" };

/** An operation that prints as the call that makes it (fast-check's report shows the counterexample this way). */
function described<T extends Op>(value: T, call: string): T {
  const text = () => `op.${call}`;
  return Object.assign(value, { toString: text, [fc.toStringMethod]: text });
}
const str = JSON.stringify;

/**
 * The operations. `order`, `refund` and `dispute` pick among what exists when the operation runs (index modulo the
 * count; an operation with nothing to pick is skipped and says so in the transcript).
 */
export const op = {
  /** A buyer buys a new product at `amount` (minor units; yen have none) through Checkout, paying with `card`. */
  buy: (currency: Currency, amount: number, card: Card = CARDS.pays) =>
    described({ kind: "buy", currency, amount, card }, `buy(${str(currency)}, ${amount}, ${str(card)})`),
  /** Checkout opened at `first`; the creator changes the price to `second`; the buyer clicks Buy again and pays. */
  buyAfterPriceChange: (currency: Currency, first: number, second: number) =>
    described(
      { kind: "buyAfterPriceChange", currency, first, second },
      `buyAfterPriceChange(${str(currency)}, ${first}, ${second})`,
    ),
  /** Staff refund through `refundOrder`. */
  staffRefund: (
    order: number,
    share: Share,
    reverseTransfer: boolean,
    refundApplicationFee: boolean,
    balancePolicy?: BalancePolicy,
  ) =>
    described(
      { kind: "staffRefund", order, share, reverseTransfer, refundApplicationFee, balancePolicy },
      `staffRefund(${order}, ${str(share)}, ${reverseTransfer}, ${refundApplicationFee}` +
        `${balancePolicy ? `, ${str(balancePolicy)}` : ""})`,
    ),
  /** A refund made in Stripe's dashboard (`stripe.refunds.create` on the charge). */
  dashboardRefund: (order: number, share: Share, reverseTransfer: boolean, refundApplicationFee: boolean) =>
    described(
      { kind: "dashboardRefund", order, share, reverseTransfer, refundApplicationFee },
      `dashboardRefund(${order}, ${str(share)}, ${reverseTransfer}, ${refundApplicationFee})`,
    ),
  /** The card network fails a refund that had succeeded (the emulator's control), picked among those standing. */
  failRefund: (refund: number, reason: string) =>
    described({ kind: "failRefund", refund, reason }, `failRefund(${refund}, ${str(reason)})`),
  openDispute: (order: number) => described({ kind: "openDispute", order }, `openDispute(${order})`),
  /** Closes one of the open disputes. */
  closeDispute: (dispute: number, outcome: "won" | "lost") =>
    described({ kind: "closeDispute", dispute, outcome }, `closeDispute(${dispute}, ${str(outcome)})`),
  /**
   * A buyer on a test clock subscribes to a new monthly membership at `amount`. With a card whose charges fail the
   * membership starts with a 7-day trial (Checkout saves the card without charging it).
   */
  subscribe: (currency: Currency, amount: number, card: MembershipCard = MEMBERSHIP_CARDS.pays) =>
    described({ kind: "subscribe", currency, amount, card }, `subscribe(${str(currency)}, ${amount}, ${str(card)})`),
  /** A month passes on the member's test clock: Stripe renews (or fails to charge, retries, then cancels). */
  renew: (membership: number) => described({ kind: "renew", membership }, `renew(${membership})`),
  /** The next `duplicate` events arrive twice, the next `reorder` are held and released newest first, the next
   * `drop` are never delivered (reconciliation finds them), every delivery waits `delayMs` first. */
  webhookFaults: (duplicate: number, reorder: number, drop: number, delayMs: number) =>
    described(
      { kind: "webhookFaults", duplicate, reorder, drop, delayMs },
      `webhookFaults(${duplicate}, ${reorder}, ${drop}, ${delayMs})`,
    ),
  /** Held deliveries released, every delivery final, reconciliation run if events were dropped, the queue empty. */
  settle: () => described({ kind: "settle" }, "settle()"),
};

// ---------------------------------------------------------------------------------------------------------------------
// The model: Stripe's side of each order.

interface ModelRefund {
  stripeRefundId: string;
  amount: number;
  by: "staff" | "dashboard";
  /** Whether the refund stands on Stripe. */
  state: "succeeded" | "failed";
}

interface ModelMembership {
  index: number;
  membershipId: string;
  clockId: string;
  /** The test clock's time, in Stripe's seconds. */
  time: number;
  currency: Currency;
  amount: number;
  card: MembershipCard;
}

interface ModelOrder {
  index: number;
  /** A membership's paid invoice is an order too; its access is the membership's (the invariants check it). */
  membership: ModelMembership | null;
  orderId: string;
  chargeId: string;
  currency: Currency;
  total: number;
  card: Card;
  refunds: ModelRefund[];
  dispute: { id: string; amount: number; outcome: "open" | "won" | "lost" } | null;
}

const refundedOf = (order: ModelOrder) =>
  order.refunds.filter((r) => r.state === "succeeded").reduce((sum, r) => sum + r.amount, 0);
const remainderOf = (order: ModelOrder) => order.total - refundedOf(order);

/** The amount a share asks for, given what is still refundable. */
function amountFor(share: Share, remainder: number) {
  if (share === "over") return remainder + 1;
  if (share === "full") return Math.max(remainder, 1);
  return Math.min(Math.max(Math.round((remainder * share) / 100), 1), Math.max(remainder, 1));
}

/** What our books must say of an order whose Stripe side is `order`. */
function expectedStatuses(order: ModelOrder): OrderStatus[] {
  const refunded = refundedOf(order);
  const byRefunds: OrderStatus = refunded === 0 ? "PAID" : refunded >= order.total ? "REFUNDED" : "PARTIALLY_REFUNDED";
  switch (order.dispute?.outcome) {
    case "open":
      return ["DISPUTED"];
    case "lost":
      return ["DISPUTE_LOST"];
    case "won":
      return refunded === 0 ? ["DISPUTE_WON", "PAID"] : [byRefunds];
    default:
      return [byRefunds];
  }
}

/** Access follows money: revoked when fully refunded or the dispute is lost, frozen while it is open. */
function expectedAccess(order: ModelOrder): string[] {
  if (order.dispute?.outcome === "lost" || refundedOf(order) >= order.total) return ["REVOKED"];
  if (order.dispute?.outcome === "open") return ["FROZEN"];
  return ["ACTIVE", "RESTORED"];
}

// ---------------------------------------------------------------------------------------------------------------------
// The runner.

interface World {
  stripeEnv: TestStripe;
  stripe: Stripe;
  url: string;
  runId: string;
  creator: { id: string; stripeAccountId: string };
  orders: ModelOrder[];
  memberships: ModelMembership[];
  /** Some events may not be processed yet: the domain may act on an older state than Stripe's. */
  dirty: boolean;
  /** Events were dropped in this sequence: settling reconciles. */
  dropped: boolean;
  since: Date;
  log: string[];
}

let runs = 0;
const APP_URL = "http://localhost:3000";
const sessionIdOf = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)![1]!;
const money = (amount: number, currency: string) => formatMoney(amount, currency);
const NO_FAULTS = { duplicate: 0, reorder: 0, drop: 0, delay_ms: 0 };

/**
 * Runs `ops` from an empty marketplace (the emulator reset and the app's tables emptied, so a sequence's checks see
 * only its own money and a shrunk sequence replays alone), then checks the books. A failure's message ends with the
 * transcript: each operation with the amounts it resolved to and what happened. MONEY_LOG=1 prints every transcript.
 */
export async function runMoneySequence(stripeEnv: TestStripe, ops: Op[]) {
  await resetMarketplace(stripeEnv);
  runs += 1;
  const log: string[] = [];
  const consoleErrors = vi.isMockFunction(console.error) ? vi.mocked(console.error).mock.calls.length : 0;
  try {
    const { creator } = await onboardedCreator(stripeEnv.url);
    const world: World = {
      stripeEnv,
      stripe: stripeEnv.stripe,
      url: stripeEnv.url,
      runId: `money-${runs}-${Date.now()}`,
      creator: { id: creator.id, stripeAccountId: creator.stripeAccountId! },
      orders: [],
      memberships: [],
      dirty: false,
      dropped: false,
      since: new Date(Date.now() - 60_000),
      log,
    };
    const platformBefore = await platformBalance(world);
    for (const [index, operation] of ops.entries()) {
      log.push(`${index}. ${String(operation)}`);
      await perform(world, operation, index);
    }
    log.push("end: faults off, settle");
    await controls.setWebhookControls(world.url, NO_FAULTS);
    await settle(world);
    await expectBooks(world, platformBefore);
    if (process.env.MONEY_LOG) console.log(`Sequence ${runs} passed:\n${log.map((line) => `  ${line}`).join("\n")}`);
    if (vi.isMockFunction(console.error)) {
      const calls = vi.mocked(console.error).mock.calls.slice(consoleErrors);
      expect(
        calls.map((args) => args.map(String).join(" ")),
        "console.error during the sequence",
      ).toEqual([]);
    }
  } catch (error) {
    const transcript = `\n\nTranscript of the sequence:\n${log.map((line) => `  ${line}`).join("\n")}`;
    if (error instanceof Error) {
      error.message += transcript;
      throw error;
    }
    throw new Error(`${String(error)}${transcript}`, { cause: error });
  }
}

/**
 * An empty marketplace: no webhook faults, nothing in flight, the emulator reset, every app table emptied but the
 * audit log (append-only by its own trigger; nothing refers to its rows, and later rows are about new ids).
 */
async function resetMarketplace(stripeEnv: TestStripe) {
  await controls.setWebhookControls(stripeEnv.url, NO_FAULTS);
  await controls.releaseHeldWebhooks(stripeEnv.url);
  await controls.waitForWebhooks(stripeEnv.url, 15_000);
  // After a failed sequence events may still be retrying; their jobs find no row once the tables are emptied.
  await eventsSettled(5_000).catch(() => {});
  await controls.resetEmulator(stripeEnv.url);
  const tables = await db().$queryRaw<{ tablename: string }[]>`
    SELECT tablename::text AS tablename FROM pg_tables
    WHERE schemaname = 'public' AND tablename NOT IN ('_prisma_migrations', 'audit_log')`;
  await db().$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(", ")} CASCADE`);
}

async function settle(world: World) {
  await controls.releaseHeldWebhooks(world.url);
  expect(await controls.waitForWebhooks(world.url, 15_000), "webhook deliveries settle").toBe(true);
  if (world.dropped) {
    const report = await reconcileEvents({ since: world.since });
    world.log.push(
      `   reconciled: ${report.seen} listed, ${report.processed} processed, ${report.failed.length} failed`,
    );
  }
  await eventsSettled();
  world.dirty = false;
}

async function perform(world: World, operation: Op, index: number) {
  switch (operation.kind) {
    case "buy":
      return buy(world, operation);
    case "buyAfterPriceChange":
      return buyAfterPriceChange(world, operation);
    case "staffRefund":
      return staffRefund(world, operation, index);
    case "dashboardRefund":
      return dashboardRefund(world, operation);
    case "failRefund":
      return failRefund(world, operation);
    case "openDispute":
      return openDispute(world, operation);
    case "closeDispute":
      return closeDispute(world, operation);
    case "subscribe":
      return subscribe(world, operation);
    case "renew":
      return renew(world, operation);
    case "webhookFaults":
      await controls.setWebhookControls(world.url, {
        duplicate: operation.duplicate,
        reorder: operation.reorder,
        drop: operation.drop,
        delay_ms: operation.delayMs,
      });
      if (operation.drop > 0) world.dropped = true;
      return;
    case "settle":
      return settle(world);
  }
}

function note(world: World, line: string) {
  world.log.push(`   ${line}`);
}

/** The one order a buyer has after paying, checked against what they paid, added to the model. */
async function recordOrder(world: World, buyerId: string, currency: Currency, amount: number, card: Card) {
  const orders = await db().order.findMany({ where: { buyerId } });
  expect(
    orders.map((o) => [o.totalAmount, o.currency]),
    "one order, at the price paid",
  ).toEqual([[amount, currency]]);
  const order = orders[0]!;
  expect(order.stripeChargeId).toMatch(/^ch_/);
  const model: ModelOrder = {
    index: world.orders.length,
    membership: null,
    orderId: order.id,
    chargeId: order.stripeChargeId!,
    currency,
    total: amount,
    card,
    refunds: [],
    dispute: null,
  };
  world.orders.push(model);
  note(world, `order ${model.index} is #${order.number} (${money(amount, currency)}, charge ${model.chargeId})`);
}

async function buy(world: World, { currency, amount, card }: Extract<Op, { kind: "buy" }>) {
  const product = await publishedProduct(world.creator.id, { amount, currency });
  const { user } = await createUser();
  const checkout = await startCheckout({ buyer: user, productId: product.id, appUrl: APP_URL, actor: SYSTEM_ACTOR });
  const paid = await controls.payCheckoutSession(world.url, sessionIdOf(checkout.url), { card });
  expect(paid.status, "the payment").toBe("succeeded");
  await settle(world);
  await recordOrder(world, user.id, currency, amount, card);
}

async function buyAfterPriceChange(
  world: World,
  { currency, first, second }: Extract<Op, { kind: "buyAfterPriceChange" }>,
) {
  const product = await publishedProduct(world.creator.id, { amount: first, currency });
  const { user } = await createUser();
  const buyNow = () => startCheckout({ buyer: user, productId: product.id, appUrl: APP_URL, actor: SYSTEM_ACTOR });
  const before = await buyNow();
  // As the studio does it: prices are immutable, so the old row is deactivated and a new one created.
  await db().price.updateMany({ where: { productId: product.id, active: true }, data: { active: false } });
  await db().price.create({ data: { productId: product.id, amount: second, currency } });
  const after = await buyNow();
  expect(after.url, "Buy after the price change opens a new Checkout").not.toBe(before.url);
  expect((await world.stripe.checkout.sessions.retrieve(sessionIdOf(before.url))).status, "the old session").toBe(
    "expired",
  );
  await expect(controls.payCheckoutSession(world.url, sessionIdOf(before.url)), "paying the old page").rejects.toThrow(
    /no longer open/,
  );
  const paid = await controls.payCheckoutSession(world.url, sessionIdOf(after.url));
  expect(paid.status, "the payment at the new price").toBe("succeeded");
  await settle(world);
  await recordOrder(world, user.id, currency, second, CARDS.pays);
}

const DAY = 86_400;

async function subscribe(world: World, { currency, amount, card }: Extract<Op, { kind: "subscribe" }>) {
  const chargesFail = card === MEMBERSHIP_CARDS.chargesFail;
  const product = await publishedMembership(world.creator.id, {
    monthly: amount,
    currency,
    trialDays: chargesFail ? 7 : null,
  });
  const buyer = await buyerOnTestClock(world.stripe);
  const checkout = await startCheckout({
    buyer: buyer.user,
    productId: product.id,
    interval: "MONTH",
    appUrl: APP_URL,
    actor: SYSTEM_ACTOR,
  });
  const sessionId = sessionIdOf(checkout.url);
  const paid = await controls.payCheckoutSession(world.url, sessionId, { card });
  expect(paid.status, "the subscription's Checkout").toBe("succeeded");
  const subscriptionId = (await world.stripe.checkout.sessions.retrieve(sessionId)).subscription as string;
  await settle(world);
  const membership = await db().membership.findUniqueOrThrow({ where: { stripeSubscriptionId: subscriptionId } });
  const model: ModelMembership = {
    index: world.memberships.length,
    membershipId: membership.id,
    clockId: buyer.clock.id,
    time: buyer.clock.frozen_time,
    currency,
    amount,
    card,
  };
  world.memberships.push(model);
  note(world, `membership ${model.index} is ${subscriptionId} (${membership.status})`);
  expect(membership.status, `membership ${model.index}`).toBe(chargesFail ? "TRIALING" : "ACTIVE");
  await recordInvoiceOrders(world, model, chargesFail ? 0 : 1);
}

async function renew(world: World, operation: Extract<Op, { kind: "renew" }>) {
  const membership = pick(world.memberships, operation.membership);
  if (!membership) return note(world, "skipped: no membership yet");
  membership.time += 31 * DAY;
  await world.stripe.testHelpers.testClocks.advance(membership.clockId, { frozen_time: membership.time });
  await settle(world);
  const row = await db().membership.findUniqueOrThrow({ where: { id: membership.membershipId } });
  note(world, `membership ${membership.index}: ${row.status}`);
  // A card whose charges fail: the trial's end fails, Stripe's retries fail within the month, and it cancels.
  expect(row.status, `membership ${membership.index}`).toBe(
    membership.card === MEMBERSHIP_CARDS.pays ? "ACTIVE" : "CANCELED",
  );
  await recordInvoiceOrders(world, membership, membership.card === MEMBERSHIP_CARDS.pays ? 1 : 0);
}

/** The orders a membership's new paid invoices made: `count` of them, each at the membership's price. */
async function recordInvoiceOrders(world: World, membership: ModelMembership, count: number) {
  const known = new Set(world.orders.map((o) => o.orderId));
  const orders = (
    await db().order.findMany({ where: { membershipId: membership.membershipId }, orderBy: { number: "asc" } })
  ).filter((o) => !known.has(o.id));
  expect(
    orders.map((o) => [o.totalAmount, o.currency]),
    `membership ${membership.index}: the orders of its new paid invoices`,
  ).toEqual(Array.from({ length: count }, () => [membership.amount, membership.currency]));
  for (const order of orders) {
    expect(order.stripeChargeId).toMatch(/^ch_/);
    const model: ModelOrder = {
      index: world.orders.length,
      membership,
      orderId: order.id,
      chargeId: order.stripeChargeId!,
      currency: membership.currency,
      total: order.totalAmount,
      card: CARDS.pays,
      refunds: [],
      dispute: null,
    };
    world.orders.push(model);
    note(
      world,
      `order ${model.index} is #${order.number} (${order.billingReason}, ${money(order.totalAmount, order.currency)})`,
    );
  }
}

function pick<T>(items: T[], index: number): T | undefined {
  return items.length ? items[index % items.length] : undefined;
}

const LIVE = new Set(["PENDING", "SUCCEEDED"]);

/** What a refund that was refused must not have changed: Stripe's refunds, our live refunds, (strictly) the order. */
async function refundSnapshot(world: World, order: ModelOrder) {
  const row = await db().order.findUniqueOrThrow({
    where: { id: order.orderId },
    include: { refunds: true, entitlements: true },
  });
  const onStripe = await world.stripe.refunds.list({ charge: order.chargeId, limit: 100 });
  return {
    order: {
      status: row.status,
      refundedAmount: row.refundedAmount,
      transferReversedAmount: row.transferReversedAmount,
      applicationFeeRefunded: row.applicationFeeRefunded,
      access: row.entitlements.map((e) => e.status),
    },
    liveRefundIds: row.refunds.filter((r) => LIVE.has(r.status)).map((r) => r.id),
    stripeRefundIds: onStripe.data.map((r) => r.id),
  };
}

/** The creator's balance in `currency` on Stripe, as the domain reads it before a reversal. */
async function creatorBalance(world: World, currency: string) {
  const balance = await world.stripe.balance.retrieve({}, { stripeAccount: world.creator.stripeAccountId });
  return [...balance.available, ...balance.pending]
    .filter((b) => b.currency === currency)
    .reduce((sum, b) => sum + b.amount, 0);
}

async function staffRefund(world: World, operation: Extract<Op, { kind: "staffRefund" }>, index: number) {
  const order = pick(world.orders, operation.order);
  if (!order) return note(world, "skipped: no order yet");
  const remainder = remainderOf(order);
  const amount = amountFor(operation.share, remainder);
  const strict = !world.dirty;
  // What the domain must answer, knowing what Stripe knows (strict: every event is processed). It checks the
  // creator's balance first, then (under the order's lock) the dispute and the remainder.
  const row = await db().order.findUniqueOrThrow({ where: { id: order.orderId } });
  const split = refundSplit(row, amount, operation);
  const balance = await creatorBalance(world, order.currency);
  const short = operation.reverseTransfer && split.creatorGivesBack > 0 && balance < split.creatorGivesBack;
  let refusal: DomainErrorCode[] | null = null;
  if (short && !operation.balancePolicy) refusal = ["balance_short"];
  else if (order.dispute?.outcome === "open" || order.dispute?.outcome === "lost") refusal = ["disputed"];
  else if (amount > remainder) refusal = ["amount_above_remainder"];
  // Stripe refuses to refund a charged-back charge, won or not (the domain may refuse first).
  else if (order.dispute) refusal = ["stripe", "disputed"];
  note(
    world,
    `order ${order.index}: ${money(amount, order.currency)} of ${money(remainder, order.currency)} refundable, ` +
      `creator holds ${money(balance, order.currency)}, gives back ${money(split.creatorGivesBack, order.currency)}` +
      `${refusal ? ` — must be refused (${refusal.join("/")})` : ""}${strict ? "" : " (events in flight)"}`,
  );
  const before = await refundSnapshot(world, order);
  const requestKey = `${world.runId}-${index}`;
  let made: Refund | null = null;
  let error: unknown = null;
  try {
    made = await refundOrder({
      orderId: order.orderId,
      amount,
      reason: "requested_by_customer",
      reverseTransfer: operation.reverseTransfer,
      refundApplicationFee: operation.refundApplicationFee,
      balancePolicy: operation.balancePolicy,
      requestKey,
      actor: SYSTEM_ACTOR,
    });
  } catch (caught) {
    error = caught;
  }
  if (made) {
    note(
      world,
      `refunded: ${made.stripeRefundId} (reversal ${made.transferReversalAmount}, fee refund ` +
        `${made.applicationFeeRefundAmount})`,
    );
    expect(refusal, `the domain refunded ${money(amount, order.currency)}, which must be refused`).toBeNull();
    expect(made.amount).toBe(amount);
    expect(made.stripeRefundId, "the refund reached Stripe").toMatch(/^re_/);
    const onStripe = await world.stripe.refunds.retrieve(made.stripeRefundId!);
    expect(onStripe.amount).toBe(amount);
    order.refunds.push({
      stripeRefundId: made.stripeRefundId!,
      amount,
      by: "staff",
      state: order.card === CARDS.refundsFail ? "failed" : "succeeded",
    });
    world.dirty = true;
    return;
  }
  note(world, `refused: ${isDomainError(error) ? `${error.code}: ${error.message}` : String(error)}`);
  if (!isDomainError(error)) throw error;
  // With events in flight our books may lag behind Stripe (a refund that failed, a dispute closed, a refund made in
  // Stripe not recorded yet, a creator not paid back yet), so the domain may refuse what Stripe would take, or leave
  // the refusal to Stripe.
  const allowed = strict ? (refusal ?? []) : ["amount_above_remainder", "disputed", "stripe", "balance_short"];
  expect(
    allowed,
    `the domain refused with ${error.code} (${error.message}); ${refusal ? "expected" : "Stripe would take it"}`,
  ).toContain(error.code);
  const after = await refundSnapshot(world, order);
  expect(after.stripeRefundIds, "a refused refund makes none on Stripe").toEqual(before.stripeRefundIds);
  // Refused by the domain: nothing recorded. Refused by Stripe: recorded as FAILED, its amounts given back.
  const own = await db().refund.findMany({ where: { requestKey }, select: { status: true } });
  expect(
    own.map((r) => r.status),
    "what the refused refund recorded",
  ).toEqual(error.code === "stripe" ? ["FAILED"] : []);
  if (!strict) return;
  expect(after.liveRefundIds, "a refused refund leaves no pending or succeeded refund").toEqual(before.liveRefundIds);
  expect(after.order, "a refused refund changes nothing on the order").toEqual(before.order);
}

async function dashboardRefund(world: World, operation: Extract<Op, { kind: "dashboardRefund" }>) {
  const order = pick(world.orders, operation.order);
  if (!order) return note(world, "skipped: no order yet");
  const remainder = remainderOf(order);
  const amount = amountFor(operation.share, remainder);
  const takes = !order.dispute && amount <= remainder;
  note(
    world,
    `order ${order.index}: ${money(amount, order.currency)} of ${money(remainder, order.currency)} refundable` +
      `${takes ? "" : " — Stripe must refuse"}`,
  );
  const before = await world.stripe.refunds.list({ charge: order.chargeId, limit: 100 });
  let refund: Stripe.Refund | null = null;
  let error: unknown = null;
  try {
    refund = await world.stripe.refunds.create({
      charge: order.chargeId,
      amount,
      reverse_transfer: operation.reverseTransfer,
      refund_application_fee: operation.refundApplicationFee,
    });
  } catch (caught) {
    error = caught;
  }
  note(world, refund ? `refunded: ${refund.id}` : `refused: ${(error as Error).message}`);
  expect(refund !== null, `Stripe ${refund ? "took" : "refused"} the refund: ${String(error ?? "")}`).toBe(takes);
  if (refund) {
    expect(refund.amount).toBe(amount);
    order.refunds.push({
      stripeRefundId: refund.id,
      amount,
      by: "dashboard",
      state: order.card === CARDS.refundsFail ? "failed" : "succeeded",
    });
    world.dirty = true;
  } else {
    expect((error as { type?: string }).type).toBe("StripeInvalidRequestError");
    const after = await world.stripe.refunds.list({ charge: order.chargeId, limit: 100 });
    expect(after.data.map((r) => r.id)).toEqual(before.data.map((r) => r.id));
  }
}

async function failRefund(world: World, operation: Extract<Op, { kind: "failRefund" }>) {
  const standing = world.orders.flatMap((order) =>
    order.refunds.filter((r) => r.state === "succeeded").map((refund) => ({ order, refund })),
  );
  const chosen = pick(standing, operation.refund);
  if (!chosen) return note(world, "skipped: no refund standing");
  const { order, refund } = chosen;
  note(world, `order ${order.index}: the ${money(refund.amount, order.currency)} ${refund.by} refund fails`);
  const failed = await controls.failRefund(world.url, refund.stripeRefundId, operation.reason);
  expect(failed.status).toBe("failed");
  refund.state = "failed";
  world.dirty = true;
}

async function openDispute(world: World, operation: Extract<Op, { kind: "openDispute" }>) {
  const order = pick(world.orders, operation.order);
  if (!order) return note(world, "skipped: no order yet");
  const remainder = remainderOf(order);
  const opens = !order.dispute && remainder > 0;
  let dispute: Stripe.Dispute | null = null;
  let error: unknown = null;
  try {
    dispute = await controls.openDispute(world.url, order.chargeId);
  } catch (caught) {
    error = caught;
  }
  note(
    world,
    dispute
      ? `order ${order.index}: dispute ${dispute.id} for ${money(dispute.amount, order.currency)}`
      : `order ${order.index}: refused: ${(error as Error).message}`,
  );
  expect(dispute !== null, `the dispute ${dispute ? "opened" : "was refused"}: ${String(error ?? "")}`).toBe(opens);
  if (!dispute) return;
  expect(dispute.amount, "a dispute is for what was not refunded").toBe(remainder);
  order.dispute = { id: dispute.id, amount: dispute.amount, outcome: "open" };
  world.dirty = true;
}

async function closeDispute(world: World, operation: Extract<Op, { kind: "closeDispute" }>) {
  const open = world.orders.filter((order) => order.dispute?.outcome === "open");
  const order = pick(open, operation.dispute);
  if (!order) return note(world, "skipped: no open dispute");
  note(world, `order ${order.index}: dispute ${order.dispute!.id} ${operation.outcome}`);
  await controls.closeDispute(world.url, order.dispute!.id, operation.outcome);
  order.dispute!.outcome = operation.outcome;
  world.dirty = true;
}

// ---------------------------------------------------------------------------------------------------------------------
// The checks at the end of a sequence.

async function platformBalance(world: World) {
  const balance = await world.stripe.balance.retrieve();
  const byCurrency = new Map<string, number>();
  for (const entry of [...balance.available, ...balance.pending])
    byCurrency.set(entry.currency, (byCurrency.get(entry.currency) ?? 0) + entry.amount);
  return byCurrency;
}

async function expectBooks(world: World, platformBefore: Map<string, number>) {
  const dead = await db().stripeEvent.findMany({ where: { deadAt: { not: null } } });
  expect(
    dead.map((e) => `${e.type} ${e.id}: ${e.processingError}`),
    "events dead-lettered",
  ).toEqual([]);

  await expectMarketplaceInvariants(world.url, world.stripeEnv.emulator.secretKey, {
    allowNoOrders: world.orders.length === 0,
  });

  const orders = await db().order.findMany({ where: { creatorId: world.creator.id }, select: { id: true } });
  expect(orders.map((o) => o.id).sort(), "one order per payment, no other").toEqual(
    world.orders.map((o) => o.orderId).sort(),
  );

  for (const order of world.orders) await expectOrder(world, order);
  await expectPlatformBalance(world, platformBefore);
}

async function expectOrder(world: World, model: ModelOrder) {
  const order = await db().order.findUniqueOrThrow({
    where: { id: model.orderId },
    include: { refunds: true, disputes: true, entitlements: true },
  });
  const label = `order ${model.index} (#${order.number})`;
  const refunded = refundedOf(model);
  expect([order.totalAmount, order.currency], label).toEqual([model.total, model.currency]);

  // Refunded totals: the model (Stripe's refunds that stood), our order, our refund rows and Stripe's charge agree.
  expect(order.refundedAmount, `${label}: refundedAmount against the refunds that stood on Stripe`).toBe(refunded);
  expect(
    order.refunds.filter((r) => r.status === "PENDING").map((r) => r.id),
    `${label}: refunds still pending after settling`,
  ).toEqual([]);
  const live = order.refunds.filter((r) => LIVE.has(r.status)).reduce((sum, r) => sum + r.amount, 0);
  expect(order.refundedAmount, `${label}: refundedAmount against its pending and succeeded refunds`).toBe(live);
  const charge = await world.stripe.charges.retrieve(model.chargeId);
  expect(charge.amount_refunded, `${label}: Stripe's amount_refunded`).toBe(refunded);

  // Each refund Stripe holds is recorded with its state; a refund Stripe refused is recorded FAILED, if at all.
  const stored = new Map(order.refunds.filter((r) => r.stripeRefundId).map((r) => [r.stripeRefundId!, r]));
  for (const refund of model.refunds) {
    const row = stored.get(refund.stripeRefundId);
    const what = `${label}: the ${money(refund.amount, model.currency)} ${refund.by} refund ${refund.stripeRefundId}`;
    if (refund.state === "succeeded") expect(row?.status, what).toBe("SUCCEEDED");
    // A dashboard refund that failed before we read it never becomes ours: absent, or recorded as FAILED.
    else if (refund.by === "dashboard" && !row) continue;
    else expect(row?.status, what).toBe("FAILED");
    expect(row!.amount, what).toBe(refund.amount);
  }
  const known = new Set(model.refunds.map((r) => r.stripeRefundId));
  for (const row of order.refunds) {
    if (row.stripeRefundId) expect(known.has(row.stripeRefundId), `${label}: refund ${row.id} unknown`).toBe(true);
    else expect(row.status, `${label}: refund ${row.id} never reached Stripe`).toBe("FAILED");
  }

  expect(expectedStatuses(model), `${label}: status ${order.status}`).toContain(order.status);
  expect(
    order.disputes.map((d) => [d.stripeDisputeId, d.amount, d.outcome]),
    `${label}: disputes`,
  ).toEqual(model.dispute ? [[model.dispute.id, model.dispute.amount, model.dispute.outcome.toUpperCase()]] : []);
  if (model.membership) return; // a membership's access is its own: the invariants check it against the subscription
  expect(order.entitlements, `${label}: one entitlement`).toHaveLength(1);
  expect(expectedAccess(model), `${label}: access ${order.entitlements[0]!.status}`).toContain(
    order.entitlements[0]!.status,
  );
}

/**
 * The platform's balance on the emulator moved by exactly what our books say: per sale the application fee less
 * Stripe's processing fee; per refund that stands what the platform paid out net (the refund, less the transfer
 * reversal taken back from the creator, plus the application fee given back); per dispute its amount and Stripe's
 * dispute fee, the amount coming back when won. A refund that failed after reaching Stripe costs the application fee
 * it refunded: Stripe returns the refund and the creator is paid back what its reversal took, but a fee refund stands.
 * Dispute fees are not in our books: they come from the emulator's
 * table.
 */
async function expectPlatformBalance(world: World, before: Map<string, number>) {
  const orders = await db().order.findMany({
    where: { creatorId: world.creator.id },
    include: { refunds: true, disputes: true },
  });
  const books = new Map<string, number>();
  const add = (currency: string, amount: number) => books.set(currency, (books.get(currency) ?? 0) + amount);
  for (const order of orders) {
    add(order.currency, order.applicationFeeAmount - (order.stripeFeeAmount ?? 0));
    for (const refund of order.refunds)
      if (LIVE.has(refund.status))
        add(order.currency, -(refund.amount - refund.transferReversalAmount + refund.applicationFeeRefundAmount));
      else if (refund.stripeRefundId) add(order.currency, -refund.applicationFeeRefundAmount);
    for (const dispute of order.disputes) {
      add(order.currency, -(dispute.amount + (DISPUTE_FEE[order.currency] ?? DISPUTE_FEE.default!)));
      if (dispute.outcome === "WON") add(order.currency, dispute.amount);
    }
  }
  const after = await platformBalance(world);
  for (const [currency, expected] of books)
    expect(
      (after.get(currency) ?? 0) - (before.get(currency) ?? 0),
      `the platform's ${currency} balance moved by what our books say`,
    ).toBe(expected);
}
