import { Link, useLocation } from "@remix-run/react";

/** Previous/next links for a list of `pageCount` pages; a page past the end (an old link) links back to the last one. */
export function Pagination({ page, pageCount }: { page: number; pageCount: number }) {
  const location = useLocation();
  if (pageCount <= 1 && page <= 1) return null;
  const hrefFor = (target: number) => {
    const params = new URLSearchParams(location.search);
    params.set("page", String(target));
    return `${location.pathname}?${params}`;
  };
  return (
    <nav aria-label="Pagination" className="mt-6 flex items-center justify-between text-sm">
      {page > 1 ? (
        <Link to={hrefFor(Math.min(page - 1, pageCount))} className="btn-secondary" rel="prev">
          {page > pageCount ? "← Last page" : "← Previous"}
        </Link>
      ) : (
        <span />
      )}
      <span className="text-slate-600">
        {page > pageCount ? `Page ${page} (there are ${pageCount})` : `Page ${page} of ${pageCount}`}
      </span>
      {page < pageCount ? (
        <Link to={hrefFor(page + 1)} className="btn-secondary" rel="next">
          Next →
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
