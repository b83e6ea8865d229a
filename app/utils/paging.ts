// The `?page=` of every paginated list, read one strict way: decimal digits only (no "1e18", "0x10", "1.5" or
// "-1"), from 1 to MAX_PAGE; blank or absent means page 1. Anything else answers 400 rather than reaching the
// database as an absurd offset. A page past the last one (but within the bound) is an empty page whose pagination
// links back to the last page.
import { z } from "zod";

export const MAX_PAGE = 10_000;
export const PAGE_ERROR = `The page must be a whole number from 1 to ${MAX_PAGE}.`;

export const pageParam = z.unknown().transform((value, ctx) => {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return 1;
  const page = typeof value === "string" && /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (Number.isSafeInteger(page) && page >= 1 && page <= MAX_PAGE) return page;
  ctx.addIssue({ code: "custom", message: PAGE_ERROR });
  return z.NEVER;
});

/** The page a loader should show, or a thrown 400 response for a page that is not one. */
export function pageFrom(params: URLSearchParams): number {
  const parsed = pageParam.safeParse(params.get("page") ?? undefined);
  if (!parsed.success)
    throw new Response(PAGE_ERROR, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return parsed.data;
}
