// Products, prices and customers.
import type Stripe from "stripe";
import { publicView, type Ctx, type Emu, type Router } from "../context.js";
import { newId, now } from "../ids.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, int, bool, str, metadata, type Shape } from "../validate.js";
import { invalidParam, missingParam } from "../errors.js";
import type { FormValue } from "../form.js";

const PRODUCT_SHAPE: { [k: string]: Shape } = {
  id: true,
  active: true,
  description: true,
  images: [true],
  metadata: "map",
  url: true,
  shippable: true,
  statement_descriptor: true,
  tax_code: true,
  unit_label: true,
  default_price_data: "any",
  marketing_features: "any",
};

export function buildProduct(ctx: Ctx, p: Record<string, FormValue>): Stripe.Product {
  const name = str(p.name as string);
  if (!name) throw missingParam("name");
  const product: Stripe.Product = {
    id: str(p.id as string) ?? newId("prod"),
    object: "product",
    active: bool(p.active, "active") ?? true,
    created: now(),
    default_price: null,
    description: str(p.description as string) ?? null,
    images: (p.images as string[] | undefined) ?? [],
    livemode: false,
    marketing_features: [],
    metadata: metadata(p.metadata),
    name,
    package_dimensions: null,
    shippable: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    updated: now(),
    url: str(p.url as string) ?? null,
  } as Stripe.Product;
  ctx.em.store.put(product, ctx.account);
  ctx.em.emit("product.created", product, ctx.account, undefined, ctx);
  return product;
}

const RECURRING: Shape = {
  "interval!": true,
  interval_count: true,
  usage_type: true,
  meter: true,
  aggregate_usage: true,
  trial_period_days: true,
};

export function buildPrice(ctx: Ctx, p: Record<string, FormValue>, product: string, inline = false): Stripe.Price {
  const currency = str(p.currency as string);
  if (!currency) throw missingParam("currency");
  const unit = int(p.unit_amount, "unit_amount", { min: 0 });
  const dec = str(p.unit_amount_decimal as string);
  if (unit === undefined && dec === undefined && !p.custom_unit_amount) throw missingParam("unit_amount");
  const rec = p.recurring as Record<string, string> | undefined;
  if (rec && !["day", "week", "month", "year"].includes(rec.interval))
    throw invalidParam("recurring[interval]", "Invalid recurring[interval]: must be one of day, week, month, or year");
  const lookup = str(p.lookup_key as string) ?? null;
  if (lookup) {
    const existing = ctx.em.store.all<Stripe.Price>("price", ctx.account, (x) => x.lookup_key === lookup);
    if (existing.length) {
      if (p.transfer_lookup_key !== "true")
        throw invalidParam(
          "lookup_key",
          `A price (\`${existing[0].id}\`) already uses that lookup key.`,
          "lookup_key_exists",
        );
      existing.forEach((x) => {
        x.lookup_key = null;
      });
    }
  }
  const amount = unit ?? (dec !== undefined ? Math.round(Number(dec)) : null);
  const price: Stripe.Price = {
    id: newId("price"),
    object: "price",
    active: bool(p.active, "active") ?? true,
    billing_scheme: "per_unit",
    created: now(),
    currency: currency.toLowerCase(),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: lookup,
    metadata: metadata(p.metadata),
    nickname: str(p.nickname as string) ?? null,
    product,
    recurring: rec
      ? ({
          interval: rec.interval as Stripe.Price.Recurring.Interval,
          interval_count: Number(rec.interval_count ?? 1),
          meter: null,
          usage_type: (rec.usage_type ?? "licensed") as Stripe.Price.Recurring.UsageType,
          trial_period_days: null,
        } as Stripe.Price.Recurring)
      : null,
    tax_behavior: (str(p.tax_behavior as string) ?? "unspecified") as Stripe.Price.TaxBehavior,
    tiers_mode: null,
    transform_quantity: null,
    type: rec ? "recurring" : "one_time",
    unit_amount: amount,
    unit_amount_decimal: amount === null ? null : String(amount),
  } as Stripe.Price;
  ctx.em.store.put(price, ctx.account);
  if (!inline) ctx.em.emit("price.created", price, ctx.account, undefined, ctx);
  return price;
}

/**
 * The product a new price belongs to: `product` (an existing one) or one made now from `product_data`. `names` are
 * the error params (`product` for the price's own, `missing` when neither is given); `productCtx` makes the product.
 */
export function productForPrice(
  ctx: Ctx,
  p: Record<string, FormValue>,
  names: { product: string; missing: string },
  productCtx: Ctx = ctx,
): string {
  const product = str(p.product as string);
  if (product) {
    ctx.em.store.get(product, "product", ctx.account, names.product);
    return product;
  }
  if (p.product_data) return buildProduct(productCtx, p.product_data as Record<string, FormValue>).id;
  throw missingParam(names.missing);
}

/**
 * The price of Checkout line item `i`: an active `price`, or an inline one from `price_data` (with `product` or
 * `product_data`), made inactive as Stripe makes them. Both Checkout modes read their line items through here.
 */
export function lineItemPrice(ctx: Ctx, li: Record<string, FormValue>, i: number): Stripe.Price {
  const param = `line_items[${i}]`;
  if (li.price) {
    const price = ctx.em.store.get<Stripe.Price>(String(li.price), "price", ctx.account, `${param}[price]`);
    if (!price.active)
      throw invalidParam(
        `${param}[price]`,
        `The price specified (${price.id}) is inactive. This field only accepts active prices.`,
      );
    return price;
  }
  if (!li.price_data) throw missingParam(`${param}[price]`);
  const pd = li.price_data as Record<string, FormValue>;
  const product = productForPrice(
    ctx,
    pd,
    { product: `${param}[price_data][product]`, missing: `${param}[price_data][product_data]` },
    { ...ctx, params: {} },
  );
  if (pd.unit_amount === undefined && pd.unit_amount_decimal === undefined)
    throw missingParam(`${param}[price_data][unit_amount]`);
  const price = buildPrice(ctx, { ...pd, product: undefined as unknown as string }, product, true);
  price.active = false;
  return price;
}

/** A Checkout Session's line items, in order. */
export function sessionLineItems(em: Emu, sessionId: string): Stripe.LineItem[] {
  return (em.store.data.lineItems[sessionId] ?? []).map((id) => em.store.raw<Stripe.LineItem>(id)!);
}

const PRICE_SHAPE: { [k: string]: Shape } = {
  currency: true,
  product: true,
  product_data: {
    "name!": true,
    active: true,
    metadata: "map",
    statement_descriptor: true,
    tax_code: true,
    unit_label: true,
    id: true,
  },
  unit_amount: true,
  unit_amount_decimal: true,
  recurring: RECURRING,
  lookup_key: true,
  transfer_lookup_key: true,
  nickname: true,
  metadata: "map",
  active: true,
  tax_behavior: true,
  billing_scheme: true,
  custom_unit_amount: "any",
  currency_options: "any",
};

function listBy<T extends { id: string; created: number }>(
  ctx: Ctx,
  type: string,
  url: string,
  filter?: (o: T) => boolean,
) {
  const items = applyCreatedFilter(ctx.em.store.all<T>(type, ctx.account, filter), ctx.params.created);
  return paginate(items, ctx.params as Record<string, string>, url);
}

function updateCommon<T extends { metadata: Stripe.Metadata | null }>(
  o: T,
  p: Record<string, FormValue>,
  fields: string[],
): Record<string, unknown> {
  const prev: Record<string, unknown> = {};
  const rec = o as unknown as Record<string, unknown>;
  for (const f of fields) {
    if (p[f] === undefined) continue;
    prev[f] = rec[f];
    if (f === "active") rec[f] = bool(p[f], f);
    else rec[f] = p[f] === "" ? null : p[f];
  }
  if (p.metadata !== undefined) {
    prev.metadata = o.metadata;
    o.metadata = metadata(p.metadata, o.metadata ?? {});
  }
  return prev;
}

export function register(r: Router): void {
  r.add("POST", "/v1/products", (ctx) => {
    validate(ctx.params, { "name!": true, ...PRODUCT_SHAPE });
    const product = buildProduct(ctx, ctx.params);
    const dpd = ctx.params.default_price_data as Record<string, FormValue> | undefined;
    if (dpd) {
      const price = buildPrice(ctx, dpd, product.id);
      product.default_price = price.id;
    }
    return product;
  });
  r.add("GET", "/v1/products", (ctx) => {
    validate(ctx.params, { ...LIST, active: true, ids: [true], url: true, shippable: true });
    const ids = ctx.params.ids as string[] | undefined;
    return listBy<Stripe.Product>(
      ctx,
      "product",
      "/v1/products",
      (x) =>
        (ctx.params.active === undefined || String(x.active) === ctx.params.active) && (!ids || ids.includes(x.id)),
    );
  });
  r.add("GET", "/v1/products/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "product", ctx.account);
  });
  r.add("POST", "/v1/products/:id", (ctx, [id]) => {
    validate(ctx.params, { ...PRODUCT_SHAPE, name: true, default_price: true });
    const product = ctx.em.store.get<Stripe.Product>(id, "product", ctx.account);
    const prev = updateCommon(product, ctx.params, ["name", "description", "active", "default_price", "url"]);
    product.updated = now();
    ctx.em.store.put(product, ctx.account);
    ctx.em.emit("product.updated", product, ctx.account, prev, ctx);
    return product;
  });
  r.add("DELETE", "/v1/products/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    const product = ctx.em.store.get<Stripe.Product>(id, "product", ctx.account);
    if (ctx.em.store.all<Stripe.Price>("price", ctx.account, (p) => p.product === id).length)
      throw invalidParam(
        "id",
        "This product cannot be deleted because it has one or more user-created prices.",
        "resource_already_exists",
      );
    ctx.em.store.remove(id);
    ctx.em.emit("product.deleted", product, ctx.account, undefined, ctx);
    return { id, object: "product", deleted: true } satisfies Stripe.DeletedProduct;
  });

  r.add("POST", "/v1/prices", (ctx) => {
    validate(ctx.params, { ...PRICE_SHAPE, "currency!": true });
    const product = productForPrice(ctx, ctx.params, { product: "product", missing: "product" });
    return buildPrice(ctx, ctx.params, product);
  });
  r.add("GET", "/v1/prices", (ctx) => {
    validate(ctx.params, {
      ...LIST,
      active: true,
      currency: true,
      product: true,
      type: true,
      lookup_keys: [true],
      recurring: "any",
    });
    const lk = ctx.params.lookup_keys as string[] | undefined;
    const p = ctx.params;
    return listBy<Stripe.Price>(
      ctx,
      "price",
      "/v1/prices",
      (x) =>
        (p.active === undefined || String(x.active) === p.active) &&
        (!p.currency || x.currency === p.currency) &&
        (!p.product || x.product === p.product) &&
        (!p.type || x.type === p.type) &&
        (!lk || (x.lookup_key !== null && lk.includes(x.lookup_key))),
    );
  });
  r.add("GET", "/v1/prices/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "price", ctx.account);
  });
  r.add("POST", "/v1/prices/:id", (ctx, [id]) => {
    validate(ctx.params, {
      active: true,
      metadata: "map",
      nickname: true,
      lookup_key: true,
      transfer_lookup_key: true,
      tax_behavior: true,
    });
    const price = ctx.em.store.get<Stripe.Price>(id, "price", ctx.account);
    const lookup = str(ctx.params.lookup_key as string);
    if (lookup) {
      const other = ctx.em.store.all<Stripe.Price>("price", ctx.account, (x) => x.lookup_key === lookup && x.id !== id);
      if (other.length && ctx.params.transfer_lookup_key !== "true")
        throw invalidParam(
          "lookup_key",
          `A price (\`${other[0].id}\`) already uses that lookup key.`,
          "lookup_key_exists",
        );
      other.forEach((x) => {
        x.lookup_key = null;
      });
    }
    const prev = updateCommon(price, ctx.params, ["active", "nickname", "lookup_key"]);
    ctx.em.store.put(price, ctx.account);
    ctx.em.emit("price.updated", price, ctx.account, prev, ctx);
    return price;
  });

  const CUSTOMER_SHAPE: { [k: string]: Shape } = {
    email: true,
    name: true,
    description: true,
    phone: true,
    metadata: "map",
    address: "any",
    shipping: "any",
    payment_method: true,
    invoice_settings: "any",
    preferred_locales: [true],
    tax_exempt: true,
  };
  const CUSTOMER_CREATE_SHAPE: { [k: string]: Shape } = { ...CUSTOMER_SHAPE, test_clock: true };
  r.add("POST", "/v1/customers", (ctx) => {
    validate(ctx.params, CUSTOMER_CREATE_SHAPE);
    const p = ctx.params;
    const clock = str(p.test_clock as string) ?? null;
    if (clock) ctx.em.store.get(clock, "test_helpers.test_clock", ctx.account, "test_clock");
    const c = {
      id: newId("cus"),
      object: "customer",
      address: null,
      balance: 0,
      created: now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: str(p.description as string) ?? null,
      email: str(p.email as string) ?? null,
      invoice_prefix: newId("").slice(1, 9).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: metadata(p.metadata),
      name: str(p.name as string) ?? null,
      phone: str(p.phone as string) ?? null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: clock,
    } as Stripe.Customer;
    ctx.em.store.put(c, ctx.account);
    ctx.em.emit("customer.created", c, ctx.account, undefined, ctx);
    return c;
  });
  r.add("GET", "/v1/customers", (ctx) => {
    validate(ctx.params, { ...LIST, email: true, test_clock: true });
    return listBy<Stripe.Customer>(
      ctx,
      "customer",
      "/v1/customers",
      (x) =>
        (!ctx.params.email || x.email === ctx.params.email) &&
        (!ctx.params.test_clock || x.test_clock === ctx.params.test_clock),
    );
  });
  r.add("GET", "/v1/customers/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "customer", ctx.account, "customer");
  });
  r.add("POST", "/v1/customers/:id", (ctx, [id]) => {
    validate(ctx.params, CUSTOMER_SHAPE);
    const c = ctx.em.store.get<Stripe.Customer>(id, "customer", ctx.account, "customer");
    const prev = updateCommon(c, ctx.params, ["email", "name", "description", "phone"]);
    ctx.em.store.put(c, ctx.account);
    ctx.em.emit("customer.updated", c, ctx.account, prev, ctx);
    return c;
  });
  r.add("DELETE", "/v1/customers/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    const c = ctx.em.store.get<Stripe.Customer>(id, "customer", ctx.account, "customer");
    ctx.em.store.remove(id);
    ctx.em.emit("customer.deleted", c, ctx.account, undefined, ctx);
    return { id, object: "customer", deleted: true } satisfies Stripe.DeletedCustomer;
  });
}

export { publicView };
