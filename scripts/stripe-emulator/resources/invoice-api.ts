// The read-only invoices and invoice items API (invoices are built and collected in invoices.ts).
import type Stripe from "stripe";
import type { Router } from "../context.js";
import { applyCreatedFilter, paginate } from "../store.js";
import { validate, LIST, bool } from "../validate.js";

export function register(r: Router): void {
  r.add("GET", "/v1/invoices/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "invoice", ctx.account, "invoice");
  });
  r.add("GET", "/v1/invoices", (ctx) => {
    validate(ctx.params, {
      ...LIST,
      customer: true,
      subscription: true,
      status: true,
      collection_method: true,
      due_date: "any",
    });
    const p = ctx.params;
    const items = applyCreatedFilter(
      ctx.em.store.all<Stripe.Invoice>(
        "invoice",
        ctx.account,
        (i) =>
          (!p.customer || i.customer === p.customer) &&
          (!p.status || i.status === p.status) &&
          (!p.subscription || i.parent?.subscription_details?.subscription === p.subscription),
      ),
      p.created,
    );
    return paginate(items, p as Record<string, string>, "/v1/invoices");
  });
  r.add("GET", "/v1/invoiceitems/:id", (ctx, [id]) => {
    validate(ctx.params, {});
    return ctx.em.store.get(id, "invoiceitem", ctx.account);
  });
  r.add("GET", "/v1/invoiceitems", (ctx) => {
    validate(ctx.params, { ...LIST, customer: true, invoice: true, pending: true });
    const p = ctx.params;
    const pending = bool(p.pending, "pending");
    const items = applyCreatedFilter(
      ctx.em.store
        .all<Stripe.InvoiceItem & { created: number }>(
          "invoiceitem",
          ctx.account,
          (i) =>
            (!p.customer || i.customer === p.customer) &&
            (!p.invoice || i.invoice === p.invoice) &&
            (pending === undefined || (i.invoice === null) === pending),
        )
        .map((i) => ({ ...i, created: i.date })),
      p.created,
    );
    return paginate(items, p as Record<string, string>, "/v1/invoiceitems");
  });
}
