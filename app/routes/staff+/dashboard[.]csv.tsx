// GET /staff/dashboard.csv?range=… : every creator's figures for the range, one line per creator and currency.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { parseRange } from "#app/domain/day-range.ts";
import { platformCreatorRows } from "#app/domain/platform-revenue.server.ts";
import { requireUser } from "#app/utils/auth.server.ts";
import { csvAmount, csvNumber, toCsv } from "#app/domain/csv.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { role: "STAFF" });
  const parsed = parseRange(new URL(request.url).searchParams);
  if (!parsed.ok)
    return new Response(`Invalid date range: ${parsed.errors.from ?? parsed.errors.to}\n`, { status: 400 });
  const { range, rows } = await platformCreatorRows({ range: parsed.range });
  const csv = toCsv(
    [
      "creator",
      "slug",
      "status",
      "currency",
      "orders",
      "gross",
      "platform_fees",
      "fee_rate_percent",
      "stripe_fees",
      "refunds",
      "dispute_losses",
    ],
    rows.map((r) => [
      r.displayName,
      r.slug,
      r.status.toLowerCase(),
      r.currency.toUpperCase(),
      r.orders,
      csvAmount(r.gross, r.currency),
      csvAmount(r.fees, r.currency),
      r.gross > 0 ? csvNumber(((r.fees * 100) / r.gross).toFixed(2)) : null,
      csvAmount(r.stripeFees, r.currency),
      csvAmount(r.refunds, r.currency),
      csvAmount(r.disputeLosses, r.currency),
    ]),
  );
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="platform-creators-${range.from}-to-${range.to}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
