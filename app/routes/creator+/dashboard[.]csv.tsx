// GET /creator/dashboard.csv?range=… : the creator's sales in the range, one line per order, amounts in decimal units
// with their currency (never added across currencies).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { creatorSalesExport } from "#app/domain/creator-revenue.server.ts";
import { parseRange } from "#app/domain/day-range.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { csvAmount, toCsv } from "#app/domain/csv.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { role: "CREATOR" });
  const parsed = parseRange(new URL(request.url).searchParams);
  if (!parsed.ok)
    return new Response(`Invalid date range: ${parsed.errors.from ?? parsed.errors.to}\n`, { status: 400 });
  const sales = await creatorSalesExport({ userId: user.id, range: parsed.range });
  if (!sales) throw new Response("Your creator account is missing. Please contact support.", { status: 404 });
  const { slug, range, rows } = sales;
  const csv = toCsv(
    [
      "order",
      "paid_at",
      "product",
      "buyer_email",
      "currency",
      "gross",
      "platform_fee",
      "refunded",
      "platform_fee_refunded",
      "net",
      "status",
    ],
    rows.map((o) => {
      const net = o.totalAmount - (o.applicationFeeAmount - o.applicationFeeRefunded) - o.refundedAmount;
      return [
        o.number,
        o.paidAt.toISOString(),
        o.productTitle,
        o.buyerEmail,
        o.currency.toUpperCase(),
        csvAmount(o.totalAmount, o.currency),
        csvAmount(o.applicationFeeAmount, o.currency),
        csvAmount(o.refundedAmount, o.currency),
        csvAmount(o.applicationFeeRefunded, o.currency),
        csvAmount(net, o.currency),
        o.status.toLowerCase(),
      ];
    }),
  );
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="sales-${slug}-${range.from}-to-${range.to}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
