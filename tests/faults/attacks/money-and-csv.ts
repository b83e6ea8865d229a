// Issue 12, money and CSV: a price typed "12,50" was saved as $1,250.00 (parseMoney dropped every comma), the staff
// refund confirmation took "0x10" as 16 (z.coerce.number), and the creator's CSV wrote a negative net as the text
// "'-4.50" (the formula guard ran on the decimal text of every amount).
import { describe, expect, it } from "vitest";
import { loader as creatorCsvLoader } from "#app/routes/creator+/dashboard[.]csv.tsx";
import { action as editProductAction } from "#app/routes/creator+/products.$productId.tsx";
import { action as newProductAction } from "#app/routes/creator+/products.new.tsx";
import { action as refundAction, loader as refundLoader } from "#app/routes/staff+/orders.$orderId.refund.tsx";
import { db } from "#app/utils/db.server.ts";
import {
  creatorWithAccount,
  membershipFields,
  productFormRequest,
  validProductFields,
} from "#tests/helpers/catalog.ts";
import { buyThroughCheckout, onboardedCreator, publishedProduct } from "#tests/helpers/marketplace.ts";
import { callRoute, createUser, formRequest, getRequest, sessionCookie } from "#tests/helpers/requests.ts";
import { testStripe } from "./context.ts";

async function createProduct(cookie: string, fields: Record<string, string>) {
  return callRoute(
    newProductAction,
    productFormRequest("/creator/products/new", { ...validProductFields, ...fields }, {}, { cookie }),
  );
}

async function createdProduct(response: Response) {
  expect(response.status).toBe(302);
  const id = /\/creator\/products\/([^/?]+)/.exec(response.headers.get("Location") ?? "")?.[1];
  return db().product.findUniqueOrThrow({ where: { id }, include: { prices: { orderBy: { createdAt: "asc" } } } });
}

async function catalogCounts() {
  const [products, prices, audit] = await Promise.all([
    db().product.count(),
    db().price.count(),
    db().auditLog.count(),
  ]);
  return { products, prices, audit };
}

/** A $30.00 order paid through the emulator, and a signed-in staff member. */
async function paidOrder() {
  const stripe = testStripe();
  const { user: creatorUser, creator } = await onboardedCreator(stripe.url);
  const product = await publishedProduct(creator.id, { amount: 3_000, currency: "usd" });
  const { user: buyer } = await createUser();
  await buyThroughCheckout(stripe, buyer, product.id);
  const order = await db().order.findFirstOrThrow({ where: { buyerId: buyer.id } });
  const { user: staff } = await createUser({ role: "STAFF" });
  return { order, creatorUser, staffCookie: await sessionCookie(staff.id) };
}

const refundFields = {
  reason: "requested_by_customer",
  reverseTransfer: "true",
  refundApplicationFee: "true",
  expectedRefunded: "0",
};

describe("money: amounts are read as a person means them, or refused", () => {
  it("saves a price typed 12,50 as 12.50 (not 1,250.00), and 1.250,00 / 1,250.00 as 1,250.00", async () => {
    const { cookie } = await creatorWithAccount();
    const comma = await createdProduct(await createProduct(cookie, { title: "Comma price", price: "12,50" }));
    expect(comma.prices).toMatchObject([{ amount: 1_250, currency: "usd" }]);
    const european = await createdProduct(
      await createProduct(cookie, { title: "European price", price: "1.250,00", currency: "eur" }),
    );
    expect(european.prices).toMatchObject([{ amount: 125_000, currency: "eur" }]);
    const grouped = await createdProduct(await createProduct(cookie, { title: "Grouped price", price: "1,250.00" }));
    expect(grouped.prices).toMatchObject([{ amount: 125_000, currency: "usd" }]);
    const yen = await createdProduct(
      await createProduct(cookie, { title: "Yen price", price: "1,500", currency: "jpy" }),
    );
    expect(yen.prices).toMatchObject([{ amount: 1_500, currency: "jpy" }]);
  });

  // (0x10, 1e3 and "12 50" were already refused here; the unit table in app/domain/money.test.ts keeps them so.)
  it.each([
    ["a price of 12,50 in JPY", { price: "12,50", currency: "jpy" }, "price", "JPY has no decimal places"],
    ["a price of 1,25,0", { price: "1,25,0" }, "price", "Group thousands in threes, as in 1,250.00"],
    [
      "a monthly price of 10,5,0",
      { ...membershipFields, price: "", monthlyPrice: "10,5,0" },
      "monthlyPrice",
      "Group thousands in threes, as in 1,250.00",
    ],
  ])("refuses %s in the product form as a 400 field error and writes nothing", async (_, override, field, message) => {
    const { cookie } = await creatorWithAccount();
    const before = await catalogCounts();
    const response = await createProduct(cookie, override);
    expect(response.status).toBe(400);
    expect((await response.json()).fieldErrors[field]).toBe(message);
    expect(await catalogCounts()).toEqual(before);
  });

  it("an edit to 12,50 sets the price to 12.50; an edit to 1,25,0 is refused and keeps the old price", async () => {
    const { cookie } = await creatorWithAccount();
    const product = await createdProduct(await createProduct(cookie, { title: "Edited price", price: "9.00" }));
    const edit = (price: string) =>
      callRoute(
        editProductAction,
        productFormRequest(
          `/creator/products/${product.id}`,
          { ...validProductFields, title: "Edited price", slug: product.slug, price },
          {},
          { cookie },
        ),
        { productId: product.id },
      );
    const activePrice = async () =>
      (await db().price.findFirstOrThrow({ where: { productId: product.id, active: true } })).amount;

    expect((await edit("12,50")).status).toBe(302);
    expect(await activePrice()).toBe(1_250);

    const before = await catalogCounts();
    const refused = await edit("1,25,0");
    expect(refused.status).toBe(400);
    expect((await refused.json()).fieldErrors.price).toBe("Group thousands in threes, as in 1,250.00");
    expect(await activePrice()).toBe(1_250);
    expect(await catalogCounts()).toEqual(before);
  });

  it("the staff refund preview reads 12,50 as $12.50 and refuses 0x10 and 1,25,0 as an amount error", async () => {
    const { order, staffCookie } = await paidOrder();
    const preview = async (amount: string) => {
      const query = new URLSearchParams({
        ...refundFields,
        amount,
        reverseTransfer: "true",
        refundApplicationFee: "true",
      });
      const response = await callRoute(
        refundLoader,
        getRequest(`/staff/orders/${order.id}/refund?${query}`, { cookie: staffCookie }),
        {
          orderId: order.id,
        },
      );
      expect(response.status).toBe(200);
      return response.json();
    };
    expect((await preview("12,50")).preview).toMatchObject({ amount: 1_250 });
    for (const [amount, message] of [
      ["0x10", "Enter an amount such as 19.99"],
      ["1,25,0", "Group thousands in threes, as in 1,250.00"],
      ["-5", "Enter an amount such as 19.99"],
    ]) {
      const refused = await preview(amount!);
      expect(refused.preview).toBeNull();
      expect(refused.errors.amount).toBe(message);
    }
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(0);
  });

  it("the staff refund confirmation refuses 0x10, 1e3 and 16.0 as minor units with a 400 amount error, refunding nothing", async () => {
    const { order, staffCookie } = await paidOrder();
    for (const amount of ["0x10", "1e3", "16.0", " 16", "0", "-5"]) {
      const response = await callRoute(
        refundAction,
        formRequest(
          `/staff/orders/${order.id}/refund`,
          { ...refundFields, amount, requestKey: crypto.randomUUID() },
          { cookie: staffCookie },
        ),
        { orderId: order.id },
      );
      expect(response.status, amount).toBe(400);
      expect((await response.json()).fieldErrors?.amount, amount).toBeTruthy();
    }
    const tamperedExpected = await callRoute(
      refundAction,
      formRequest(
        `/staff/orders/${order.id}/refund`,
        { ...refundFields, amount: "16", expectedRefunded: "0x0", requestKey: crypto.randomUUID() },
        { cookie: staffCookie },
      ),
      { orderId: order.id },
    );
    expect(tamperedExpected.status).toBe(400);
    expect(await db().refund.count({ where: { orderId: order.id } })).toBe(0);
    expect(await db().order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({
      refundedAmount: 0,
      status: order.status,
    });
  });
});

describe("CSV: numbers are numbers", () => {
  it("the creator's sales CSV writes a negative net as -4.50, a number, not the text '-4.50", async () => {
    const { order, creatorUser, staffCookie } = await paidOrder();
    // A full refund that keeps the platform fee: the creator's net on this order is minus the fee.
    const refunded = await callRoute(
      refundAction,
      formRequest(
        `/staff/orders/${order.id}/refund`,
        {
          ...refundFields,
          amount: String(order.totalAmount),
          refundApplicationFee: "false",
          balancePolicy: "reverse_anyway",
          requestKey: crypto.randomUUID(),
        },
        { cookie: staffCookie },
      ),
      { orderId: order.id },
    );
    expect(refunded.status).toBe(303);
    await testStripe().settle();
    const after = await db().order.findUniqueOrThrow({ where: { id: order.id } });
    const net = after.totalAmount - (after.applicationFeeAmount - after.applicationFeeRefunded) - after.refundedAmount;
    expect(net).toBe(-after.applicationFeeAmount);
    expect(net).toBeLessThan(0);

    const response = await callRoute(
      creatorCsvLoader,
      getRequest("/creator/dashboard.csv?range=30d", { cookie: await sessionCookie(creatorUser.id) }),
    );
    expect(response.status).toBe(200);
    const [header, ...lines] = (await response.text()).trim().split("\r\n");
    const columns = header!.split(",");
    const row = lines
      .map((line) => line.split(","))
      .find((cells) => cells[columns.indexOf("order")] === String(order.number));
    expect(row).toBeDefined();
    const cell = (name: string) => row![columns.indexOf(name)];
    const decimal = (amount: number) =>
      `${amount < 0 ? "-" : ""}${Math.floor(Math.abs(amount) / 100)}.${String(Math.abs(amount) % 100).padStart(2, "0")}`;
    expect(cell("net")).toBe(decimal(net));
    expect(cell("net")).toMatch(/^-\d+\.\d{2}$/);
    expect(cell("gross")).toBe(decimal(after.totalAmount));
    expect(cell("refunded")).toBe(decimal(after.refundedAmount));
  });
});
