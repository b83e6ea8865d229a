// BENCHMARK ONLY: GET /bench/hello, a plain "hello" through the same Express + Remix stack as every page, used by
// `npm run bench:load` as the ceiling the other scenarios are compared with. It answers only when the process runs
// with BENCH_ROUTES=1 (the bench sets it on the app it starts); everywhere else it is a 404.
export function loader() {
  if (process.env.BENCH_ROUTES !== "1") throw new Response("Not Found", { status: 404 });
  return new Response("hello", {
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
}
